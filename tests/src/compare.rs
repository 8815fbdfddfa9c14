//! Comparing answers: row by row as text, in order or as sorted multisets, with floating point
//! values rounded to 9 significant digits (the federation sums partial aggregates in a different
//! order than one session does, so the last bits of a float may differ).

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};

/// Every row rendered as one line of text, cells separated by `|`.
pub fn rows_as_text(batches: &[RecordBatch]) -> Vec<String> {
    let options = FormatOptions::default().with_null("NULL");
    let mut rows = Vec::new();
    for batch in batches {
        let columns: Vec<_> = batch.columns().iter().collect();
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = columns.iter().map(|column| cell(column.as_ref(), row, &options)).collect();
            rows.push(cells.join("|"));
        }
    }
    rows
}

fn cell(column: &dyn Array, row: usize, options: &FormatOptions<'_>) -> String {
    if column.is_null(row) {
        return "NULL".to_owned();
    }
    if let DataType::Float64 = column.data_type() {
        let values = column.as_any().downcast_ref::<arrow::array::Float64Array>();
        if let Some(values) = values {
            return format!("{:.9e}", values.value(row));
        }
    }
    match ArrayFormatter::try_new(column, options) {
        Ok(formatter) => formatter.value(row).to_string(),
        Err(error) => format!("<unformattable: {error}>"),
    }
}

/// Column names and types, for comparing answer shapes.
pub fn shape(schema: &arrow::datatypes::Schema) -> Vec<String> {
    schema.fields().iter().map(|field| format!("{}:{}", field.name(), field.data_type())).collect()
}
