//! Helpers for reading generated Parquet back as Arrow batches and strings.
#![allow(dead_code, reason = "each test file uses a different subset of the helpers")]

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::compute::{cast, concat_batches};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use toex_common::cdm::table_by_name;

/// Reads every part of a table into one batch, checking each file's schema on the way.
pub fn read_table(dir: &Path, table: &str) -> RecordBatch {
    let schema = table_by_name(table).unwrap().schema.clone();
    let mut parts: Vec<_> = std::fs::read_dir(dir.join(table))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "parquet"))
        .collect();
    parts.sort();
    assert!(!parts.is_empty(), "no parquet files for {table}");
    let mut batches = Vec::new();
    for part in parts {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&part).unwrap()).unwrap().build().unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            assert_eq!(batch.schema().fields(), schema.fields(), "schema of {}", part.display());
            batches.push(batch);
        }
    }
    concat_batches(&schema, &batches).unwrap()
}

/// A column rendered as optional strings (dates `YYYY-MM-DD`, booleans `true`/`false`).
pub fn strings(batch: &RecordBatch, column: &str) -> Vec<Option<String>> {
    let array = batch.column_by_name(column).unwrap_or_else(|| panic!("no column {column}"));
    let text = cast(array, &DataType::Utf8).unwrap();
    let text = text.as_string::<i32>();
    (0..text.len()).map(|row| text.is_valid(row).then(|| text.value(row).to_owned())).collect()
}

/// A column that must have no nulls, as strings.
pub fn values(batch: &RecordBatch, column: &str) -> Vec<String> {
    strings(batch, column).into_iter().map(|value| value.unwrap_or_else(|| panic!("null in {column}"))).collect()
}

/// Rows keyed by record id, each row a map column -> optional string.
pub type RowsById = HashMap<String, HashMap<String, Option<String>>>;

/// A table's rows keyed by record id.
pub fn rows_by_id(batch: &RecordBatch) -> RowsById {
    let columns: Vec<(String, Vec<Option<String>>)> =
        batch.schema().fields().iter().map(|field| (field.name().clone(), strings(batch, field.name()))).collect();
    let ids = values(batch, "record_id");
    ids.into_iter()
        .enumerate()
        .map(|(row, id)| {
            let row_values = columns.iter().map(|(name, column)| (name.clone(), column[row].clone())).collect();
            (id, row_values)
        })
        .collect()
}
