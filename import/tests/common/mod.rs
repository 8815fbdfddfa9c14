//! Helpers shared by the import tests: fixture paths and reading imported Parquet back.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::concat_batches;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// A fixture file.
pub fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir).join(name)
}

/// Every CSV of a fixture directory, sorted by name.
pub fn fixture_files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("fixture directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "csv"))
        .collect();
    files.sort();
    files
}

/// The file names in a directory, sorted (empty when the directory does not exist).
pub fn file_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> =
        entries.map(|entry| entry.expect("directory entry").file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// All rows of every `*.parquet` file in `dir`, as one batch (files in name order).
pub fn read_table(dir: &Path) -> RecordBatch {
    let mut batches = Vec::new();
    let mut schema = None;
    for name in file_names(dir) {
        assert!(name.ends_with(".parquet"), "unexpected file {name} in {}", dir.display());
        let file = std::fs::File::open(dir.join(&name)).expect("open parquet");
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("parquet reader");
        schema = Some(builder.schema().clone());
        for batch in builder.build().expect("build reader") {
            batches.push(batch.expect("read batch"));
        }
    }
    let schema = schema.expect("at least one parquet file");
    concat_batches(&schema, &batches).expect("concat")
}

/// The values of a Utf8 column, `None` for nulls.
pub fn strings(batch: &RecordBatch, column: &str) -> Vec<Option<String>> {
    let array = batch.column_by_name(column).expect("column").as_string::<i32>();
    (0..array.len()).map(|row| array.is_valid(row).then(|| array.value(row).to_owned())).collect()
}

/// The values of the Int8 `marking_code` column, `None` for nulls.
pub fn marking_codes(batch: &RecordBatch) -> Vec<Option<i8>> {
    let array = batch.column_by_name("marking_code").expect("column").as_primitive::<arrow::datatypes::Int8Type>();
    (0..array.len()).map(|row| array.is_valid(row).then(|| array.value(row))).collect()
}

/// The values of a Float64 column, `None` for nulls.
pub fn floats(batch: &RecordBatch, column: &str) -> Vec<Option<f64>> {
    let array = batch.column_by_name(column).expect("column").as_primitive::<arrow::datatypes::Float64Type>();
    (0..array.len()).map(|row| array.is_valid(row).then(|| array.value(row))).collect()
}

/// The row whose `record_id` is `record_id`.
pub fn row_index(batch: &RecordBatch, record_id: &str) -> usize {
    strings(batch, "record_id")
        .iter()
        .position(|id| id.as_deref() == Some(record_id))
        .unwrap_or_else(|| panic!("no row {record_id}"))
}
