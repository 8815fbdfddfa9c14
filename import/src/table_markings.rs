//! Puts protective markings on the batches of an extra dataset: either adds the dataset's
//! default markings in front of the source columns, or keeps the source's own marking columns
//! (moved to the front, as Utf8) after checking that none claims another region. Either way the
//! marking code is derived from the text markings; a source's own `marking_code` is dropped.

use std::iter::repeat_n;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int8Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use toex_common::cdm::{
    CLASSIFICATION, HANDLING_CODE, HANDLING_CONDITIONS, MARKING_CODE, MARKING_COLUMNS, REGION, marking_fields,
};
use toex_common::markings::{marking_code, marking_codes};

use crate::error::ImportError;
use crate::table::DefaultMarkings;

/// Position of a column within [`MARKING_COLUMNS`] (every name passed is one of them).
fn marking_position(name: &str) -> usize {
    MARKING_COLUMNS
        .iter()
        .position(|column| *column == name)
        .unwrap_or_else(|| unreachable!("{name} is a marking column"))
}

/// How the markings of one dataset are produced.
pub(crate) struct MarkingPlan {
    path: PathBuf,
    output_schema: SchemaRef,
    mode: Mode,
    /// Positions of the source columns that follow the markings.
    others: Vec<usize>,
}

enum Mode {
    /// The source has no marking columns: every row gets the default markings.
    Add { stem: String, region: String, force: String, markings: DefaultMarkings },
    /// The source has every marking column, at these positions.
    Keep { markings: Vec<usize>, region: String },
}

impl MarkingPlan {
    /// Decides how to mark a source with schema `source`, or refuses partial markings.
    pub(crate) fn new(
        path: &Path,
        source: &Schema,
        region: &str,
        stem: &str,
        defaults: &DefaultMarkings,
    ) -> Result<Self, ImportError> {
        let positions: Vec<Option<usize>> = MARKING_COLUMNS.iter().map(|name| source.index_of(name).ok()).collect();
        let found: Vec<usize> = positions.iter().flatten().copied().collect();
        let derived = source.index_of(MARKING_CODE).ok();
        let others: Vec<usize> =
            (0..source.fields().len()).filter(|index| !found.contains(index) && Some(*index) != derived).collect();
        let mut fields = marking_fields();
        fields.extend(others.iter().map(|&index| Field::clone(source.field(index))));
        if found.is_empty() {
            let force = defaults.force.clone().unwrap_or_else(|| region.to_owned());
            return Ok(Self {
                path: path.to_owned(),
                output_schema: Arc::new(Schema::new(fields)),
                mode: Mode::Add { stem: stem.to_owned(), region: region.to_owned(), force, markings: defaults.clone() },
                others,
            });
        }
        if found.len() < MARKING_COLUMNS.len() {
            let (present, missing): (Vec<_>, Vec<_>) =
                MARKING_COLUMNS.iter().zip(&positions).partition(|(_, position)| position.is_some());
            let names = |columns: Vec<(&&str, &Option<usize>)>| {
                columns.into_iter().map(|(name, _)| (*name).to_owned()).collect()
            };
            return Err(ImportError::PartialMarkings {
                path: path.to_owned(),
                present: names(present),
                missing: names(missing),
            });
        }
        Ok(Self {
            path: path.to_owned(),
            output_schema: Arc::new(Schema::new(fields)),
            mode: Mode::Keep { markings: found, region: region.to_owned() },
            others,
        })
    }

    /// The schema of the table written: the marking columns, then the source's other columns.
    pub(crate) fn output_schema(&self) -> SchemaRef {
        self.output_schema.clone()
    }

    /// Whether default markings are added (rather than the source's own kept).
    pub(crate) fn adds_markings(&self) -> bool {
        matches!(self.mode, Mode::Add { .. })
    }

    /// Marks one batch; `rows_before` is the number of source rows in earlier batches.
    pub(crate) fn apply(&self, batch: &RecordBatch, rows_before: u64) -> Result<RecordBatch, ImportError> {
        let arrow_error = |source| ImportError::Arrow { path: self.path.clone(), source };
        let mut columns = match &self.mode {
            Mode::Add { stem, region, force, markings } => {
                default_columns(batch.num_rows(), rows_before, stem, region, force, markings)
            }
            Mode::Keep { markings, region } => {
                let mut columns = Vec::with_capacity(batch.num_columns() + 1);
                for &index in markings {
                    columns.push(as_utf8(batch.column(index)).map_err(arrow_error)?);
                }
                self.check_region(&columns[marking_position(REGION)], region, rows_before)?;
                let text = |name: &str| columns[marking_position(name)].as_string::<i32>();
                let codes = marking_codes(text(CLASSIFICATION), text(HANDLING_CODE), text(HANDLING_CONDITIONS));
                columns.push(Arc::new(codes));
                columns
            }
        };
        columns.extend(self.others.iter().map(|&index| batch.column(index).clone()));
        RecordBatch::try_new(self.output_schema.clone(), columns).map_err(arrow_error)
    }

    /// Refuses a row whose own `region` marking names another region.
    fn check_region(&self, column: &ArrayRef, region: &str, rows_before: u64) -> Result<(), ImportError> {
        let values = column.as_string::<i32>();
        let foreign = (0..values.len()).find(|&row| values.is_null(row) || values.value(row) != region);
        let Some(row) = foreign else { return Ok(()) };
        let found = if values.is_null(row) { String::new() } else { values.value(row).to_owned() };
        Err(ImportError::ForeignRegion {
            path: self.path.clone(),
            row: rows_before + row as u64 + 1,
            found,
            expected: format!("{region} (column {REGION})"),
        })
    }
}

fn as_utf8(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    if column.data_type() == &DataType::Utf8 {
        return Ok(column.clone());
    }
    cast(column, &DataType::Utf8)
}

/// The seven marking columns for `rows` rows numbered from `rows_before + 1`.
fn default_columns(
    rows: usize,
    rows_before: u64,
    stem: &str,
    region: &str,
    force: &str,
    markings: &DefaultMarkings,
) -> Vec<ArrayRef> {
    let first = rows_before + 1;
    let record_ids = (first..first + rows as u64).map(|row| format!("{stem}:{row}"));
    let constant = |value: &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(repeat_n(value, rows))) };
    let conditions: StringArray = repeat_n(markings.handling_conditions.as_deref(), rows).collect();
    let code = marking_code(&markings.classification, &markings.handling_code, markings.handling_conditions.as_deref());
    let codes: Int8Array = repeat_n(code, rows).collect();
    vec![
        Arc::new(StringArray::from_iter_values(record_ids)),
        constant(region),
        constant(force),
        constant(&markings.classification),
        constant(&markings.handling_code),
        Arc::new(conditions),
        Arc::new(codes),
    ]
}
