//! Referential integrity, markings and value formats of one generated region.

mod common;

use std::collections::HashSet;

use common::{read_table, strings, values};
use toex_common::markings::marking_code;
use toex_common::regions::region_by_code;
use toex_datagen::{BATCH_ROWS, GenOptions, generate, luhn_valid};

fn ids(dir: &std::path::Path, table: &str) -> HashSet<String> {
    values(&read_table(dir, table), "record_id").into_iter().collect()
}

#[test]
fn linked_ids_markings_and_formats_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    generate(&GenOptions { scale: 2_000, ..GenOptions::new("NWROCU") }, dir.path()).unwrap();
    let path = dir.path();
    let links = [
        ("persons", "home_address_id", "addresses"),
        ("phones", "user_person_id", "persons"),
        ("vehicles", "keeper_person_id", "persons"),
        ("ocg_members", "ocg_id", "ocgs"),
        ("ocg_members", "person_id", "persons"),
        ("intel_reports", "person_id", "persons"),
        ("intel_reports", "phone_id", "phones"),
        ("intel_reports", "vehicle_id", "vehicles"),
        ("intel_reports", "address_id", "addresses"),
    ];
    for (table, column, target) in links {
        let targets = ids(path, target);
        let linked: Vec<String> = strings(&read_table(path, table), column).into_iter().flatten().collect();
        assert!(!linked.is_empty(), "{table}.{column} never set");
        for id in linked {
            assert!(targets.contains(&id), "{table}.{column} = {id} not in {target}");
        }
    }

    let forces: HashSet<&str> = region_by_code("NWROCU").unwrap().forces.iter().copied().collect();
    for table in toex_common::cdm::tables() {
        let batch = read_table(path, table.name);
        let record_ids = values(&batch, "record_id");
        assert_eq!(record_ids.iter().collect::<HashSet<_>>().len(), record_ids.len(), "{} ids unique", table.name);
        assert!(record_ids.iter().all(|id| id.starts_with("NWROCU-")), "{} ids name the region", table.name);
        assert!(record_ids.iter().any(|id| id.ends_with("-00000001")), "{} ids are numbered from 1", table.name);
        for force in values(&batch, "force") {
            assert!(forces.contains(force.as_str()), "{force}");
        }
        let classifications = values(&batch, "classification");
        let codes = values(&batch, "handling_code");
        let conditions = strings(&batch, "handling_conditions");
        let stored_codes = strings(&batch, "marking_code");
        for row in 0..batch.num_rows() {
            let code = marking_code(&classifications[row], &codes[row], conditions[row].as_deref());
            assert_eq!(stored_codes[row], code.map(|code| code.to_string()), "{} row {row}", table.name);
            assert!(["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"].contains(&classifications[row].as_str()));
            match codes[row].as_str() {
                "P" => assert_eq!(conditions[row], None),
                "C" => assert!(conditions[row].as_ref().is_some_and(|text| !text.is_empty())),
                other => panic!("handling code {other}"),
            }
        }
        // Rows are clustered by code within each batch written (NULL first, then ascending).
        let parsed: Vec<Option<i8>> =
            stored_codes.iter().map(|code| code.as_deref().map(|code| code.parse().unwrap())).collect();
        for chunk in parsed.chunks(BATCH_ROWS) {
            assert!(chunk.is_sorted(), "{} rows not clustered by marking_code", table.name);
        }
        let official = classifications.iter().filter(|value| *value == "OFFICIAL").count() as f64;
        let share = official / batch.num_rows() as f64;
        if batch.num_rows() >= 1_000 {
            assert!((0.5..0.7).contains(&share), "{} OFFICIAL share {share}", table.name);
        }
    }

    let phones = read_table(path, "phones");
    for msisdn in values(&phones, "msisdn") {
        assert!(msisdn.len() == 13 && msisdn.starts_with("+447"), "{msisdn}");
        assert!(msisdn[1..].bytes().all(|byte| byte.is_ascii_digit()), "{msisdn}");
    }
    for imei in strings(&phones, "imei").into_iter().flatten() {
        assert!(imei.len() == 15 && luhn_valid(&imei), "{imei}");
    }
    let deal_lines = values(&phones, "deal_line").iter().filter(|flag| *flag == "true").count();
    assert!((30..200).contains(&deal_lines), "{deal_lines} deal lines of 2400");

    let vehicles = read_table(path, "vehicles");
    for vrm in values(&vehicles, "vrm") {
        assert_eq!(vrm.len(), 7, "{vrm}");
        assert!(vrm[2..4].bytes().all(|byte| byte.is_ascii_digit()), "{vrm}");
        assert!(vrm[4..].chars().all(|letter| letter.is_ascii_uppercase() && !"IQZ".contains(letter)), "{vrm}");
    }

    let addresses = read_table(path, "addresses");
    let areas = ["M", "L", "WA", "PR", "BB", "CH", "LA", "CA", "LL", "WN", "BL", "OL", "SK", "FY", "CW"];
    for postcode in values(&addresses, "postcode") {
        let (outward, inward) = postcode.split_once(' ').unwrap_or_else(|| panic!("{postcode}"));
        let area: String = outward.chars().take_while(char::is_ascii_alphabetic).collect();
        assert!(areas.contains(&area.as_str()), "{postcode}");
        assert_eq!(inward.len(), 3, "{postcode}");
        assert!(postcode == postcode.to_uppercase(), "{postcode}");
    }
    for latitude in values(&addresses, "latitude") {
        let value: f64 = latitude.parse().unwrap();
        assert!((52.9..55.0).contains(&value), "{value}");
    }

    let persons = read_table(path, "persons");
    let categories = values(&persons, "person_category");
    let suspects = categories.iter().filter(|category| *category == "SUSPECT").count();
    assert!(suspects > 600, "{suspects}");
    let british = strings(&persons, "nationality").iter().filter(|value| value.as_deref() == Some("British")).count();
    assert!(british > 1_500, "{british}");

    let crimes = read_table(path, "crimes");
    let crime_ids = strings(&crimes, "crime_id");
    for (crime_type, crime_id) in values(&crimes, "crime_type").iter().zip(crime_ids) {
        match crime_id {
            None => assert_eq!(crime_type, "Anti-social behaviour"),
            Some(id) => assert!(id.len() == 64 && id.bytes().all(|byte| byte.is_ascii_hexdigit())),
        }
    }
    for month in values(&crimes, "month") {
        assert!(month.len() == 7 && ("2022-06".."2025-07").contains(&month.as_str()), "{month}");
    }

    let intel = read_table(path, "intel_reports");
    let schemes = values(&intel, "grading_scheme");
    let sources = values(&intel, "source_evaluation");
    let assessments = values(&intel, "intelligence_assessment");
    for row in 0..intel.num_rows() {
        match schemes[row].as_str() {
            "3x5x2" => {
                assert!(["1", "2", "3"].contains(&sources[row].as_str()));
                assert!(["A", "B", "C", "D", "E"].contains(&assessments[row].as_str()));
            }
            "5x5x5-legacy" => {
                assert!(["A", "B", "C", "D", "E"].contains(&sources[row].as_str()));
                assert!(["1", "2", "3", "4", "5"].contains(&assessments[row].as_str()));
            }
            other => panic!("grading scheme {other}"),
        }
    }
    let legacy = schemes.iter().filter(|scheme| *scheme == "5x5x5-legacy").count();
    assert!((20..180).contains(&legacy), "{legacy} legacy of 4000");
}
