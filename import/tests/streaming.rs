//! A generated street-level CSV far larger than one batch is imported in full, written as several
//! row groups (the writer flushes as it goes rather than holding the file in memory).

use std::fs::File;
use std::io::{BufWriter, Write};

use parquet::file::reader::{FileReader, SerializedFileReader};
use toex_import::{POLICE_UK_HEADER, import_police_uk, table_dir};

/// Rows generated: about 24 batches of 8,192 and 3 row groups of 65,536 plus a remainder.
const GENERATED_ROWS: u64 = 200_000;
/// Every this-many-th row has a bad month and must be rejected.
const BAD_ROW_EVERY: u64 = 50_000;

#[test]
fn a_large_file_is_streamed_in_batches_and_row_groups() {
    let source_dir = tempfile::tempdir().expect("temp dir");
    let source = source_dir.path().join("2024-05-west-yorkshire-street.csv");
    let mut writer = BufWriter::new(File::create(&source).expect("create"));
    writeln!(writer, "{}", POLICE_UK_HEADER.join(",")).expect("header");
    for row in 1..=GENERATED_ROWS {
        let month = if row % BAD_ROW_EVERY == 0 { "2024-5" } else { "2024-05" };
        let crime_id = if row % 3 == 0 { String::new() } else { format!("{row:064x}") };
        writeln!(
            writer,
            "{crime_id},{month},West Yorkshire Police,West Yorkshire Police,-1.{:06},53.{:06},\
             On or near Street {},E0101{:04},Leeds {:03}A,Burglary,Under investigation,",
            row % 1_000_000,
            row % 999_999,
            row % 500,
            row % 10_000,
            row % 120
        )
        .expect("row");
    }
    writer.flush().expect("flush");
    drop(writer);

    let out = tempfile::tempdir().expect("temp dir");
    let report = import_police_uk(out.path(), std::slice::from_ref(&source)).expect("import");
    let rejected = GENERATED_ROWS / BAD_ROW_EVERY;
    assert_eq!(report.total_rejected(), rejected);
    assert_eq!(report.rejected[0].line, BAD_ROW_EVERY + 1);
    assert_eq!(report.rows_by_region.get("YHROCU"), Some(&(GENERATED_ROWS - rejected)));

    let output = table_dir(out.path(), "YHROCU", "crimes").join("2024-05-west-yorkshire-street.parquet");
    let reader = SerializedFileReader::new(File::open(&output).expect("open output")).expect("parquet");
    let metadata = reader.metadata();
    assert_eq!(metadata.file_metadata().num_rows(), (GENERATED_ROWS - rejected) as i64);
    assert_eq!(metadata.num_row_groups(), 4);
    assert_eq!(metadata.row_group(0).num_rows(), 65_536);
}
