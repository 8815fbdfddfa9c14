//! The `marking_code` column the release filters test: checked against the text markings of
//! every row when a common-data-model table loads (a file whose codes disagree is refused, so a
//! filter over codes releases exactly what the text allows), and derived for extra datasets.
//! The same pass counts the rows another region owns: where there are none, the release filter
//! can leave out its per-row ownership test.

use std::sync::Arc;

use arrow::array::{Array, AsArray, Int8Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Int8Type, Schema};
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use toex_common::cdm::{CLASSIFICATION, HANDLING_CODE, HANDLING_CONDITIONS, MARKING_CODE, REGION, marking_codes_of};

use crate::error::NodeError;

/// What a table's rows were found to be when it loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedRows {
    /// Rows whose `region` is not the node's own (or is NULL): never released by this node.
    pub owned_elsewhere: u64,
}

/// Refuses `table` when any row's stored marking code is not the one its classification,
/// handling code and conditions give (NULL where those are not valid markings); counts the rows
/// `region` does not own.
pub async fn check_stored_codes(context: &SessionContext, table: &str, region: &str) -> Result<CheckedRows, NodeError> {
    let frame = context.table(table).await?.select_columns(&[
        CLASSIFICATION,
        HANDLING_CODE,
        HANDLING_CONDITIONS,
        MARKING_CODE,
        REGION,
    ])?;
    let mut batches = frame.execute_stream().await?;
    let mut disagreeing = 0u64;
    let mut owned_elsewhere = 0u64;
    while let Some(batch) = batches.try_next().await? {
        let owners = batch
            .column_by_name(REGION)
            .and_then(|column| column.as_string_opt::<i32>())
            .ok_or_else(|| NodeError::Schema(format!("table {table}: column {REGION} is not Utf8")))?;
        // Exactly the rows the filter's `region = '<own>'` would drop, NULL included.
        owned_elsewhere += owners.iter().filter(|owner| *owner != Some(region)).count() as u64;
        let expected = marking_codes_of(&batch)?;
        let stored = batch
            .column_by_name(MARKING_CODE)
            .and_then(|column| column.as_primitive_opt::<Int8Type>())
            .ok_or_else(|| NodeError::Schema(format!("table {table}: column {MARKING_CODE} is not Int8")))?;
        let code = |codes: &Int8Array, row: usize| codes.is_valid(row).then(|| codes.value(row));
        disagreeing += (0..batch.num_rows()).filter(|&row| code(stored, row) != code(&expected, row)).count() as u64;
    }
    if disagreeing > 0 {
        return Err(NodeError::Schema(format!(
            "table {table}: {disagreeing} rows have a {MARKING_CODE} that their classification, handling code and \
             conditions do not give; rewrite the table with the importer or the generator"
        )));
    }
    Ok(CheckedRows { owned_elsewhere })
}

/// `batch` (with every text marking column) with its marking code derived and appended; a
/// `marking_code` column of the source is replaced, never trusted.
pub fn with_derived_codes(batch: RecordBatch) -> Result<RecordBatch, NodeError> {
    let codes = marking_codes_of(&batch)?;
    let schema = batch.schema();
    let kept: Vec<usize> =
        (0..schema.fields().len()).filter(|&index| schema.field(index).name() != MARKING_CODE).collect();
    let mut fields: Vec<Field> = kept.iter().map(|&index| schema.field(index).clone()).collect();
    fields.push(Field::new(MARKING_CODE, DataType::Int8, true));
    let mut columns: Vec<_> = kept.iter().map(|&index| batch.column(index).clone()).collect();
    columns.push(Arc::new(codes));
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}
