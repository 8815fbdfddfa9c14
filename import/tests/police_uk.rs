//! Imports the data.police.uk fixtures and checks what a node would read: rows per region, the
//! published quirks kept as published, rejected rows named by file and line, idempotency.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{file_names, fixture, fixture_files, floats, marking_codes, read_table, row_index, strings};
use toex_import::{ImportError, RejectReason, RejectedRow, import_police_uk, table_dir};

fn region_counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(region, rows)| ((*region).to_owned(), *rows)).collect()
}

#[test]
fn rows_go_to_the_region_of_the_force_they_fall_within() {
    let out = tempfile::tempdir().expect("temp dir");
    let report = import_police_uk(out.path(), &fixture_files("clean")).expect("import");

    assert_eq!(report.files, 6);
    assert_eq!(report.rows_by_region, region_counts(&[("LONDON", 6), ("NWROCU", 13), ("SWROCU", 3)]));
    assert_eq!(report.rejected, Vec::new());
    assert_eq!(report.outputs.len(), 6);
    assert_eq!(file_names(out.path()), ["LONDON", "NWROCU", "SWROCU"]);
    assert_eq!(
        file_names(&table_dir(out.path(), "NWROCU", "crimes")),
        [
            "2024-01-greater-manchester-street.parquet",
            "2024-01-merseyside-street.parquet",
            "2024-02-merseyside-street.parquet"
        ]
    );
    let london = read_table(&table_dir(out.path(), "LONDON", "crimes"));
    assert_eq!(london.num_rows(), 6);
    assert!(strings(&london, "region").iter().all(|region| region.as_deref() == Some("LONDON")));
    let south_west = read_table(&table_dir(out.path(), "SWROCU", "crimes"));
    assert_eq!(strings(&south_west, "force"), vec![Some("Devon & Cornwall Police".to_owned()); 3]);
}

#[test]
fn output_has_exactly_the_common_data_model_crimes_schema() {
    let out = tempfile::tempdir().expect("temp dir");
    import_police_uk(out.path(), &[fixture("clean", "2024-01-merseyside-street.csv")]).expect("import");
    let batch = read_table(&table_dir(out.path(), "NWROCU", "crimes"));
    let expected = toex_common::cdm::table_by_name("crimes").expect("crimes table").schema.clone();
    assert_eq!(batch.schema().fields(), expected.fields());
}

#[test]
fn published_quirks_are_kept_as_published() {
    let out = tempfile::tempdir().expect("temp dir");
    import_police_uk(out.path(), &[fixture("clean", "2024-01-merseyside-street.csv")]).expect("import");
    let batch = read_table(&table_dir(out.path(), "NWROCU", "crimes"));
    assert_eq!(batch.num_rows(), 6);
    let stem = "2024-01-merseyside-street";
    let ids: Vec<String> = (2..=7).map(|line| format!("{stem}:{line}")).collect();
    assert_eq!(strings(&batch, "record_id"), ids.iter().cloned().map(Some).collect::<Vec<_>>());

    // Markings of published open data.
    assert_eq!(strings(&batch, "classification"), vec![Some("OFFICIAL".to_owned()); 6]);
    assert_eq!(strings(&batch, "handling_code"), vec![Some("P".to_owned()); 6]);
    assert_eq!(strings(&batch, "handling_conditions"), vec![None; 6]);
    assert_eq!(marking_codes(&batch), vec![Some(0); 6], "OFFICIAL, P");
    assert_eq!(strings(&batch, "force"), vec![Some("Merseyside Police".to_owned()); 6]);

    // Anti-social behaviour has no crime id, and the identical duplicate (lines 3 and 4) is kept.
    let crime_ids = strings(&batch, "crime_id");
    assert_eq!(crime_ids.iter().filter(|id| id.is_none()).count(), 2);
    let first = row_index(&batch, &format!("{stem}:3"));
    let second = row_index(&batch, &format!("{stem}:4"));
    for column in ["crime_id", "month", "location", "lsoa_code", "crime_type", "last_outcome_category"] {
        assert_eq!(strings(&batch, column)[first], strings(&batch, column)[second], "{column}");
    }
    assert_eq!(floats(&batch, "longitude")[first], Some(-2.97702));
    assert_eq!(floats(&batch, "longitude")[second], Some(-2.97702));
    assert_eq!(strings(&batch, "last_outcome_category")[first], None);

    // No coordinates and no LSOA: nulls, location as published.
    let unlocated = row_index(&batch, &format!("{stem}:5"));
    assert_eq!(floats(&batch, "longitude")[unlocated], None);
    assert_eq!(floats(&batch, "latitude")[unlocated], None);
    assert_eq!(strings(&batch, "lsoa_code")[unlocated], None);
    assert_eq!(strings(&batch, "lsoa_name")[unlocated], None);
    assert_eq!(strings(&batch, "location")[unlocated].as_deref(), Some("No Location"));

    // Located in the City of London but falling within Merseyside: kept, in Merseyside's region.
    let elsewhere = row_index(&batch, &format!("{stem}:6"));
    assert_eq!(strings(&batch, "lsoa_name")[elsewhere].as_deref(), Some("City of London 001A"));
    assert_eq!(floats(&batch, "latitude")[elsewhere], Some(51.51557));
    assert_eq!(strings(&batch, "region")[elsewhere].as_deref(), Some("NWROCU"));

    // A quoted field with a comma, and a context.
    let quoted = row_index(&batch, &format!("{stem}:7"));
    assert_eq!(strings(&batch, "location")[quoted].as_deref(), Some("On or near Derby Road, Bootle"));
    assert_eq!(strings(&batch, "context")[quoted].as_deref(), Some("Recorded at a custody suite"));
    assert_eq!(strings(&batch, "context").iter().filter(|context| context.is_some()).count(), 1);
}

#[test]
fn malformed_rows_are_reported_with_file_and_line_and_the_rest_imported() {
    let out = tempfile::tempdir().expect("temp dir");
    let malformed = fixture("malformed", "2024-01-cumbria-street.csv");
    let files = [malformed.clone(), fixture("clean", "2024-01-merseyside-street.csv")];
    let report = import_police_uk(out.path(), &files).expect("import");

    assert_eq!(report.rows_by_region, region_counts(&[("NWROCU", 9)]));
    let rejected = |line, reason| RejectedRow { file: malformed.clone(), line, reason };
    assert_eq!(
        report.rejected,
        vec![
            rejected(4, RejectReason::FieldCount { found: 11, expected: 12 }),
            rejected(5, RejectReason::InvalidCoordinate { column: "Latitude", value: "fifty-four".to_owned() }),
            rejected(6, RejectReason::BadMonth { value: "2024-1".to_owned() }),
            rejected(7, RejectReason::UnknownForce { force: "Police Scotland".to_owned() }),
            rejected(9, RejectReason::FieldCount { found: 13, expected: 12 }),
        ]
    );
    assert_eq!(report.total_rejected(), 5);
    let cumbria = read_table(&table_dir(out.path(), "NWROCU", "crimes"));
    let ids: Vec<String> = strings(&cumbria, "record_id").into_iter().flatten().collect();
    assert!(ids.contains(&"2024-01-cumbria-street:2".to_owned()));
    assert!(ids.contains(&"2024-01-cumbria-street:8".to_owned()));
    assert!(!ids.contains(&"2024-01-cumbria-street:5".to_owned()));
    let summary = report.to_string();
    assert!(summary.contains("2024-01-cumbria-street.csv:7: \"Falls within\" \"Police Scotland\""), "{summary}");
}

#[test]
fn importing_the_same_files_twice_does_not_double_them() {
    let out = tempfile::tempdir().expect("temp dir");
    let files = fixture_files("clean");
    let first = import_police_uk(out.path(), &files).expect("first import");
    let listing = |region| file_names(&table_dir(out.path(), region, "crimes"));
    let before: Vec<Vec<String>> = ["LONDON", "NWROCU", "SWROCU"].map(listing).to_vec();
    let second = import_police_uk(out.path(), &files).expect("second import");

    assert_eq!(first, second);
    let after: Vec<Vec<String>> = ["LONDON", "NWROCU", "SWROCU"].map(listing).to_vec();
    assert_eq!(before, after);
    assert_eq!(read_table(&table_dir(out.path(), "NWROCU", "crimes")).num_rows(), 13);
    assert_eq!(read_table(&table_dir(out.path(), "LONDON", "crimes")).num_rows(), 6);
}

#[test]
fn a_changed_file_replaces_its_earlier_rows() {
    let out = tempfile::tempdir().expect("temp dir");
    let source_dir = tempfile::tempdir().expect("temp dir");
    let source = source_dir.path().join("2024-03-merseyside-street.csv");
    std::fs::copy(fixture("clean", "2024-01-merseyside-street.csv"), &source).expect("copy");
    import_police_uk(out.path(), std::slice::from_ref(&source)).expect("first import");
    let merseyside = table_dir(out.path(), "NWROCU", "crimes");
    assert_eq!(read_table(&merseyside).num_rows(), 6);

    // A corrected release with two rows.
    let original = std::fs::read_to_string(&source).expect("read");
    let corrected: Vec<&str> = original.lines().take(3).collect();
    std::fs::write(&source, corrected.join("\n")).expect("write");
    let report = import_police_uk(out.path(), std::slice::from_ref(&source)).expect("second import");
    assert_eq!(report.rows_by_region, region_counts(&[("NWROCU", 2)]));
    assert_eq!(read_table(&merseyside).num_rows(), 2);

    // A release of the same file whose rows now fall within another region moves them.
    let moved = corrected.join("\n").replace("Merseyside Police", "Metropolitan Police Service");
    std::fs::write(&source, moved).expect("write");
    import_police_uk(out.path(), &[source]).expect("third import");
    assert_eq!(file_names(&merseyside), Vec::<String>::new());
    assert_eq!(read_table(&table_dir(out.path(), "LONDON", "crimes")).num_rows(), 2);
}

#[test]
fn an_unknown_header_fails_the_call_naming_the_file_before_anything_is_written() {
    let out = tempfile::tempdir().expect("temp dir");
    let outcomes = fixture("bad-header", "2024-01-kent-outcomes.csv");
    let files = [fixture("clean", "2024-01-merseyside-street.csv"), outcomes.clone()];
    let error = import_police_uk(out.path(), &files).expect_err("unknown header");
    let ImportError::UnknownHeader { path, found } = &error else { panic!("unexpected {error}") };
    assert_eq!(path, &outcomes);
    assert_eq!(found.last().map(String::as_str), Some("Outcome type"));
    assert!(error.to_string().contains("2024-01-kent-outcomes.csv"));
    assert_eq!(file_names(out.path()), Vec::<String>::new());
}

#[test]
fn two_files_with_one_name_are_refused() {
    let out = tempfile::tempdir().expect("temp dir");
    let other_dir = tempfile::tempdir().expect("temp dir");
    let original = fixture("clean", "2024-01-merseyside-street.csv");
    let copy: PathBuf = other_dir.path().join("2024-01-merseyside-street.csv");
    std::fs::copy(&original, &copy).expect("copy");
    let error = import_police_uk(out.path(), &[original, copy]).expect_err("duplicate stem");
    assert!(matches!(error, ImportError::DuplicateSource { ref stem, .. } if stem == "2024-01-merseyside-street"));
}

#[test]
fn invalid_utf8_is_a_rejected_row() {
    let out = tempfile::tempdir().expect("temp dir");
    let source_dir = tempfile::tempdir().expect("temp dir");
    let source = source_dir.path().join("2024-04-merseyside-street.csv");
    let mut bytes = std::fs::read(fixture("clean", "2024-02-merseyside-street.csv")).expect("read");
    let position = bytes.windows(4).position(|window| window == b"Bold").expect("Bold");
    bytes[position] = 0xff;
    std::fs::write(&source, bytes).expect("write");
    let report = import_police_uk(out.path(), std::slice::from_ref(&source)).expect("import");
    assert_eq!(report.rejected, vec![RejectedRow { file: source, line: 2, reason: RejectReason::InvalidUtf8 }]);
    assert_eq!(report.rows_by_region, region_counts(&[("NWROCU", 3)]));
}
