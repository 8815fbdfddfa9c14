//! The common data model (DESIGN §3): the tables every node exposes, with their Arrow schemas.
//!
//! Every table starts with the protective-marking columns, so policy always has something to
//! apply. Extra datasets without these columns get them from the node's configuration.

use std::sync::{Arc, LazyLock};

use arrow::array::{AsArray, Int8Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;

use crate::markings;

/// Marking column: unique id within the region.
pub const RECORD_ID: &str = "record_id";
/// Marking column: owning ROCU code.
pub const REGION: &str = "region";
/// Marking column: owning force.
pub const FORCE: &str = "force";
/// Marking column: `OFFICIAL`, `OFFICIAL-SENSITIVE` or `SECRET`.
pub const CLASSIFICATION: &str = "classification";
/// Marking column: `P` or `C`.
pub const HANDLING_CODE: &str = "handling_code";
/// Marking column: conditions, required when the handling code is `C`.
pub const HANDLING_CONDITIONS: &str = "handling_conditions";

/// Marking column: classification and handling code as one number
/// ([`crate::markings::marking_code`]), derived from the text markings when a table is written
/// and checked against them when a node loads it. Policy filters rows on it; the text stays the
/// record of truth.
pub const MARKING_CODE: &str = "marking_code";

/// The marking columns a source of records supplies, in the order every table starts with;
/// [`MARKING_CODE`] follows them, derived from them.
pub const MARKING_COLUMNS: [&str; 6] = [RECORD_ID, REGION, FORCE, CLASSIFICATION, HANDLING_CODE, HANDLING_CONDITIONS];

/// `exploitation_type` values.
pub const EXPLOITATION_TYPES: [&str; 7] =
    ["COUNTY_LINES", "MODERN_SLAVERY", "HUMAN_TRAFFICKING", "CSE", "CSA", "ORGANISED_IMMIGRATION_CRIME", "OTHER"];

/// `person_category` values: kept distinct, never merged away.
pub const PERSON_CATEGORIES: [&str; 4] = ["SUSPECT", "VICTIM", "WITNESS", "OTHER"];

/// One table of the common data model.
#[derive(Debug, Clone)]
pub struct CdmTable {
    pub name: &'static str,
    pub schema: SchemaRef,
}

fn text(name: &str) -> Field {
    Field::new(name, DataType::Utf8, false)
}

fn optional_text(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

/// The marking fields every table begins with: [`MARKING_COLUMNS`], then [`MARKING_CODE`].
pub fn marking_fields() -> Vec<Field> {
    vec![
        text(RECORD_ID),
        text(REGION),
        text(FORCE),
        text(CLASSIFICATION),
        text(HANDLING_CODE),
        optional_text(HANDLING_CONDITIONS),
        Field::new(MARKING_CODE, DataType::Int8, true),
    ]
}

fn table(name: &'static str, fields: Vec<Field>) -> CdmTable {
    let mut all = marking_fields();
    all.extend(fields);
    CdmTable { name, schema: Arc::new(Schema::new(all)) }
}

static TABLES: LazyLock<Vec<CdmTable>> = LazyLock::new(|| {
    let date = |name: &str| Field::new(name, DataType::Date32, false);
    let flag = |name: &str| Field::new(name, DataType::Boolean, false);
    let float = |name: &str| Field::new(name, DataType::Float64, true);
    vec![
        table(
            "persons",
            vec![
                text("surname"),
                text("forenames"),
                Field::new("dob", DataType::Date32, true),
                text("gender"),
                optional_text("nationality"),
                optional_text("pnc_id"),
                text("person_category"),
                flag("vulnerable"),
                optional_text("home_address_id"),
            ],
        ),
        table(
            "phones",
            vec![
                text("msisdn"),
                optional_text("imei"),
                optional_text("user_person_id"),
                date("first_seen"),
                date("last_seen"),
                flag("deal_line"),
            ],
        ),
        table(
            "vehicles",
            vec![text("vrm"), text("make"), text("model"), text("colour"), optional_text("keeper_person_id")],
        ),
        table(
            "addresses",
            vec![
                text("line1"),
                text("town"),
                text("postcode"),
                float("latitude"),
                float("longitude"),
                flag("cuckooed"),
            ],
        ),
        table(
            "ocgs",
            vec![
                text("name"),
                optional_text("national_ref"),
                text("exploitation_type"),
                Field::new("harm_score", DataType::Int32, false),
                text("status"),
            ],
        ),
        table("ocg_members", vec![text("ocg_id"), text("person_id"), text("role")]),
        table(
            "intel_reports",
            vec![
                Field::new("reported_at", DataType::Timestamp(TimeUnit::Microsecond, None), false),
                text("grading_scheme"),
                text("source_evaluation"),
                text("intelligence_assessment"),
                text("exploitation_type"),
                text("summary"),
                optional_text("person_id"),
                optional_text("phone_id"),
                optional_text("vehicle_id"),
                optional_text("address_id"),
            ],
        ),
        table(
            "crimes",
            vec![
                optional_text("crime_id"),
                text("month"),
                text("reported_by"),
                text("falls_within"),
                float("longitude"),
                float("latitude"),
                text("location"),
                optional_text("lsoa_code"),
                optional_text("lsoa_name"),
                text("crime_type"),
                optional_text("last_outcome_category"),
                optional_text("context"),
            ],
        ),
    ]
});

/// The [`MARKING_CODE`] of every row of `batch`, from its text marking columns (read as Utf8).
pub fn marking_codes_of(batch: &RecordBatch) -> Result<Int8Array, ArrowError> {
    let text = |name: &str| -> Result<StringArray, ArrowError> {
        let column = batch.column_by_name(name).ok_or_else(|| ArrowError::SchemaError(format!("no column {name}")))?;
        Ok(cast(column, &DataType::Utf8)?.as_string::<i32>().clone())
    };
    Ok(markings::marking_codes(&text(CLASSIFICATION)?, &text(HANDLING_CODE)?, &text(HANDLING_CONDITIONS)?))
}

/// Every table of the common data model.
pub fn tables() -> &'static [CdmTable] {
    &TABLES
}

/// A common-data-model table by name.
pub fn table_by_name(name: &str) -> Option<&'static CdmTable> {
    TABLES.iter().find(|table| table.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_starts_with_the_markings() {
        assert_eq!(tables().len(), 8);
        for table in tables() {
            let leading: Vec<_> = table.schema.fields().iter().take(7).map(|field| field.name().as_str()).collect();
            assert_eq!(leading[..6], MARKING_COLUMNS, "table {}", table.name);
            assert_eq!(leading[6], MARKING_CODE, "table {}", table.name);
        }
        assert!(table_by_name("persons").is_some());
        assert!(table_by_name("nominals").is_none());
    }
}
