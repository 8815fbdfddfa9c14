//! Accumulates parsed crime rows of one region into Arrow columns and hands them out as record
//! batches in the exact schema of the common-data-model `crimes` table.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Builder, Int8Builder, StringBuilder};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use toex_common::cdm;
use toex_common::markings::{Classification, HandlingCode, marking_code};

use crate::crime_row::CrimeRow;
use crate::layout::CRIMES_TABLE;

/// Classification of published open data.
const OPEN_DATA_CLASSIFICATION: Classification = Classification::Official;
/// Handling code of published open data: lawful sharing permitted, no conditions.
const OPEN_DATA_HANDLING: HandlingCode = HandlingCode::Permitted;

/// The schema of the `crimes` table, as the common data model defines it.
pub(crate) fn crimes_schema() -> SchemaRef {
    match cdm::table_by_name(CRIMES_TABLE) {
        Some(table) => table.schema.clone(),
        // The common data model always defines `crimes`; its own tests check the table list.
        None => unreachable!("the common data model has no crimes table"),
    }
}

/// Column builders for one batch of crimes.
pub(crate) struct CrimeBatchBuilder {
    schema: SchemaRef,
    record_id: StringBuilder,
    region: StringBuilder,
    force: StringBuilder,
    classification: StringBuilder,
    handling_code: StringBuilder,
    handling_conditions: StringBuilder,
    marking_code: Int8Builder,
    crime_id: StringBuilder,
    month: StringBuilder,
    reported_by: StringBuilder,
    falls_within: StringBuilder,
    longitude: Float64Builder,
    latitude: Float64Builder,
    location: StringBuilder,
    lsoa_code: StringBuilder,
    lsoa_name: StringBuilder,
    crime_type: StringBuilder,
    last_outcome_category: StringBuilder,
    context: StringBuilder,
    rows: usize,
}

impl CrimeBatchBuilder {
    /// An empty builder.
    pub(crate) fn new() -> Self {
        Self {
            schema: crimes_schema(),
            record_id: StringBuilder::new(),
            region: StringBuilder::new(),
            force: StringBuilder::new(),
            classification: StringBuilder::new(),
            handling_code: StringBuilder::new(),
            handling_conditions: StringBuilder::new(),
            marking_code: Int8Builder::new(),
            crime_id: StringBuilder::new(),
            month: StringBuilder::new(),
            reported_by: StringBuilder::new(),
            falls_within: StringBuilder::new(),
            longitude: Float64Builder::new(),
            latitude: Float64Builder::new(),
            location: StringBuilder::new(),
            lsoa_code: StringBuilder::new(),
            lsoa_name: StringBuilder::new(),
            crime_type: StringBuilder::new(),
            last_outcome_category: StringBuilder::new(),
            context: StringBuilder::new(),
            rows: 0,
        }
    }

    /// Number of rows appended since the last [`Self::finish`].
    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    /// Appends one row with open-data markings; the force is the force the row falls within.
    pub(crate) fn append(&mut self, record_id: &str, row: &CrimeRow<'_>) {
        self.record_id.append_value(record_id);
        self.region.append_value(row.region);
        self.force.append_value(row.falls_within);
        self.classification.append_value(OPEN_DATA_CLASSIFICATION.as_str());
        self.handling_code.append_value(OPEN_DATA_HANDLING.as_str());
        self.handling_conditions.append_null();
        self.marking_code.append_option(marking_code(
            OPEN_DATA_CLASSIFICATION.as_str(),
            OPEN_DATA_HANDLING.as_str(),
            None,
        ));
        self.crime_id.append_option(row.crime_id);
        self.month.append_value(row.month);
        self.reported_by.append_value(row.reported_by);
        self.falls_within.append_value(row.falls_within);
        self.longitude.append_option(row.longitude);
        self.latitude.append_option(row.latitude);
        self.location.append_value(row.location);
        self.lsoa_code.append_option(row.lsoa_code);
        self.lsoa_name.append_option(row.lsoa_name);
        self.crime_type.append_value(row.crime_type);
        self.last_outcome_category.append_option(row.last_outcome_category);
        self.context.append_option(row.context);
        self.rows += 1;
    }

    /// Takes the rows appended so far as one batch and leaves the builder empty.
    pub(crate) fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.record_id.finish()),
            Arc::new(self.region.finish()),
            Arc::new(self.force.finish()),
            Arc::new(self.classification.finish()),
            Arc::new(self.handling_code.finish()),
            Arc::new(self.handling_conditions.finish()),
            Arc::new(self.marking_code.finish()),
            Arc::new(self.crime_id.finish()),
            Arc::new(self.month.finish()),
            Arc::new(self.reported_by.finish()),
            Arc::new(self.falls_within.finish()),
            Arc::new(self.longitude.finish()),
            Arc::new(self.latitude.finish()),
            Arc::new(self.location.finish()),
            Arc::new(self.lsoa_code.finish()),
            Arc::new(self.lsoa_name.finish()),
            Arc::new(self.crime_type.finish()),
            Arc::new(self.last_outcome_category.finish()),
            Arc::new(self.context.finish()),
        ];
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), columns)
    }
}
