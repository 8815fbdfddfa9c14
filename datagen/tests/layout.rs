//! Files, schemas, row counts, determinism and overwriting of generated output.

mod common;

use common::{read_table, values};
use toex_common::cdm::tables;
use toex_datagen::{FORMAT_FILE, GenError, GenOptions, generate, is_current, load_ground_truth};

#[test]
fn written_files_have_the_cdm_schemas_and_reported_counts() {
    let dir = tempfile::tempdir().unwrap();
    let options = GenOptions { scale: 100, ..GenOptions::new("NWROCU") };
    let report = generate(&options, dir.path()).unwrap();
    assert_eq!(report.region, "NWROCU");
    let names: Vec<&str> = report.tables.iter().map(|(name, _)| name.as_str()).collect();
    let expected: Vec<&str> = tables().iter().map(|table| table.name).collect();
    assert_eq!(names, expected);
    for (table, rows) in &report.tables {
        assert!(dir.path().join(table).join("part-00000.parquet").is_file(), "{table}");
        let batch = read_table(dir.path(), table);
        assert_eq!(batch.num_rows() as u64, *rows, "{table}");
        assert!(values(&batch, "region").iter().all(|region| region == "NWROCU"));
    }
    assert_eq!(report.ground_truth_path, dir.path().join("ground_truth.json"));
    assert_eq!(load_ground_truth(&report.ground_truth_path).unwrap().regions.len(), 10);
    assert!(is_current(dir.path()), "the format file is written last");
}

#[test]
fn data_of_an_older_format_or_an_interrupted_run_is_not_current() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!is_current(dir.path()), "nothing generated");
    generate(&GenOptions { scale: 50, ..GenOptions::new("TARIAN") }, dir.path()).unwrap();
    assert!(is_current(dir.path()));
    std::fs::write(dir.path().join(FORMAT_FILE), "toex-cdm 1\n").unwrap();
    assert!(!is_current(dir.path()), "an older format");
    std::fs::remove_file(dir.path().join(FORMAT_FILE)).unwrap();
    assert!(!is_current(dir.path()), "written before the format file existed, or interrupted");
}

#[test]
fn row_counts_are_proportional_to_scale() {
    let dir = tempfile::tempdir().unwrap();
    let options = GenOptions { scale: 20_000, ..GenOptions::new("LONDON") };
    let report = generate(&options, dir.path()).unwrap();
    let counts: Vec<(&str, u64)> = report.tables.iter().map(|(name, rows)| (name.as_str(), *rows)).collect();
    assert_eq!(
        counts,
        vec![
            ("persons", 20_000),
            ("phones", 24_000),
            ("vehicles", 12_000),
            ("addresses", 16_000),
            ("ocgs", 100),
            ("ocg_members", 600),
            ("intel_reports", 40_000),
            ("crimes", 60_000),
        ]
    );
    assert_eq!(read_table(dir.path(), "crimes").num_rows(), 60_000);

    let small = tempfile::tempdir().unwrap();
    let small_report = generate(&GenOptions { scale: 100, ..GenOptions::new("LONDON") }, small.path()).unwrap();
    let small_counts: Vec<u64> = small_report.tables.iter().map(|(_, rows)| *rows).collect();
    assert_eq!(small_counts, vec![100, 120, 60, 80, 5, 30, 200, 300]);
}

#[test]
fn planted_records_survive_tiny_scales() {
    let dir = tempfile::tempdir().unwrap();
    let options = GenOptions { scale: 1, ..GenOptions::new("ERSOU") };
    let report = generate(&options, dir.path()).unwrap();
    let truth = load_ground_truth(&report.ground_truth_path).unwrap();
    let planted_phones = truth.planted("ERSOU", "phones").len() as u64;
    let phones = report.tables.iter().find(|(name, _)| name == "phones").unwrap().1;
    assert_eq!(phones, planted_phones.max(1));
    assert_eq!(read_table(dir.path(), "phones").num_rows() as u64, phones);
}

#[test]
fn same_options_give_identical_rows_and_other_seeds_differ() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    let third = tempfile::tempdir().unwrap();
    let options = GenOptions { scale: 300, ..GenOptions::new("YHROCU") };
    generate(&options, first.path()).unwrap();
    generate(&options, second.path()).unwrap();
    generate(&GenOptions { seed: 7, ..options.clone() }, third.path()).unwrap();
    for table in tables() {
        let one = read_table(first.path(), table.name);
        assert_eq!(one, read_table(second.path(), table.name), "{}", table.name);
        assert_ne!(one, read_table(third.path(), table.name), "{} ignores the seed", table.name);
    }
    let truth_one = std::fs::read(first.path().join("ground_truth.json")).unwrap();
    assert_eq!(truth_one, std::fs::read(second.path().join("ground_truth.json")).unwrap());
}

#[test]
fn regenerating_overwrites_earlier_output() {
    let dir = tempfile::tempdir().unwrap();
    generate(&GenOptions { scale: 500, ..GenOptions::new("TARIAN") }, dir.path()).unwrap();
    generate(&GenOptions { scale: 100, ..GenOptions::new("TARIAN") }, dir.path()).unwrap();
    assert_eq!(read_table(dir.path(), "persons").num_rows(), 100);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("persons")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only part-00000.parquet remains");
}

#[test]
fn unknown_region_and_zero_scale_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let error = generate(&GenOptions::new("SCOTLAND"), dir.path()).unwrap_err();
    assert!(matches!(error, GenError::UnknownRegion(ref code, _) if code == "SCOTLAND"));
    assert!(error.to_string().contains("\"SCOTLAND\""), "{error}");
    let zero = generate(&GenOptions { scale: 0, ..GenOptions::new("LONDON") }, dir.path()).unwrap_err();
    assert!(matches!(zero, GenError::InvalidScale(0)));
    assert_eq!(GenOptions::new("LONDON"), GenOptions { region: "LONDON".into(), scale: 2_000, seed: 42 });
}
