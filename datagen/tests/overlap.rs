//! The planted cross-region overlap: the ground truth is the same whichever region is generated,
//! and every planted record exists, with the recorded values, in each region's files.

mod common;

use std::collections::{HashMap, HashSet};

use common::{RowsById, read_table, rows_by_id};
use toex_datagen::{GenOptions, OverlapKind, all_region_codes, generate, ground_truth, load_ground_truth};

#[test]
fn ground_truth_has_the_documented_overlaps() {
    let truth = ground_truth(42, &all_region_codes());
    let count = |kind| truth.of_kind(kind).count();
    assert_eq!(count(OverlapKind::SharedDealLine), 20);
    assert_eq!(count(OverlapKind::SpanningOcg), 5);
    assert_eq!(count(OverlapKind::VariantPerson), 30);
    assert_eq!(count(OverlapKind::SharedVehicle), 10);
    for overlap in &truth.overlaps {
        let regions: HashSet<&str> = overlap.records.iter().map(|record| record.region.as_str()).collect();
        assert_eq!(regions.len(), overlap.records.len(), "{} repeats a region", overlap.identifier);
        assert!(overlap.records.len() >= 2, "{}", overlap.identifier);
    }
    for line in truth.of_kind(OverlapKind::SharedDealLine) {
        assert!(line.identifier.starts_with("+447700900") && line.identifier.len() == 13, "{}", line.identifier);
        assert!((2..=4).contains(&line.records.len()));
    }
    for ocg in truth.of_kind(OverlapKind::SpanningOcg) {
        assert!(ocg.identifier.starts_with("OCG-NAT-") && ocg.identifier.len() == 12, "{}", ocg.identifier);
        let names: HashSet<&str> = ocg.records.iter().map(|record| record.values["name"].as_str()).collect();
        assert_eq!(names.len(), 1, "same name in every region");
    }
    let people: Vec<_> = truth.of_kind(OverlapKind::VariantPerson).collect();
    let victim_suspect = people
        .iter()
        .filter(|person| {
            let categories: Vec<&str> =
                person.records.iter().map(|record| record.values["person_category"].as_str()).collect();
            categories.contains(&"VICTIM") && categories.contains(&"SUSPECT")
        })
        .count();
    assert!(victim_suspect >= 5, "{victim_suspect}");
    for person in &people {
        assert_eq!(person.records[0].values["dob"], person.records[1].values["dob"]);
        let names = |index: usize| {
            (person.records[index].values["forenames"].clone(), person.records[index].values["surname"].clone())
        };
        assert_ne!(names(0), names(1), "{} must be recorded differently", person.identifier);
    }
    // Determinism and seed dependence.
    assert_eq!(truth, ground_truth(42, &all_region_codes()));
    assert_ne!(truth.overlaps, ground_truth(43, &all_region_codes()).overlaps);
    assert!(ground_truth(42, &["LONDON"]).overlaps.is_empty());
}

#[test]
fn planted_records_exist_in_every_region_generated_separately() {
    let root = tempfile::tempdir().unwrap();
    let mut truth_files = Vec::new();
    let mut rows: HashMap<(String, String), RowsById> = HashMap::new();
    for region in all_region_codes() {
        let dir = root.path().join(region);
        let report = generate(&GenOptions { scale: 100, ..GenOptions::new(region) }, &dir).unwrap();
        truth_files.push(std::fs::read(&report.ground_truth_path).unwrap());
        for table in ["persons", "phones", "ocgs", "vehicles"] {
            rows.insert((region.to_owned(), table.to_owned()), rows_by_id(&read_table(&dir, table)));
        }
    }
    assert!(truth_files.windows(2).all(|pair| pair[0] == pair[1]), "ground truth differs between regions");
    let truth = load_ground_truth(&root.path().join("NWROCU").join("ground_truth.json")).unwrap();
    assert_eq!(truth, ground_truth(42, &all_region_codes()));
    let mut checked = 0;
    for overlap in &truth.overlaps {
        for record in &overlap.records {
            let table = &rows[&(record.region.clone(), record.table.clone())];
            let row = table.get(&record.record_id).unwrap_or_else(|| panic!("{} missing", record.record_id));
            for (column, expected) in &record.values {
                assert_eq!(row[column].as_deref(), Some(expected.as_str()), "{} {column}", record.record_id);
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
    // A planted msisdn appears only in the regions the ground truth names.
    let line = truth.of_kind(OverlapKind::SharedDealLine).next().unwrap();
    let named: HashSet<&str> = line.records.iter().map(|record| record.region.as_str()).collect();
    for region in all_region_codes() {
        let phones = &rows[&(region.to_owned(), "phones".to_owned())];
        let has_line = phones.values().any(|row| row["msisdn"].as_deref() == Some(line.identifier.as_str()));
        assert_eq!(has_line, named.contains(region), "{} in {region}", line.identifier);
    }
}
