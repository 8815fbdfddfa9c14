//! Extra datasets (DESIGN §3): any CSV or Parquet table a node offers beside the common data
//! model. The source is streamed in batches to `<out_dir>/<REGION>/<table>/<file stem>.parquet`,
//! with the dataset's default protective markings added when the source carries none, so policy
//! always has markings to apply.

use std::path::{Path, PathBuf};

use toex_common::cdm;
use toex_common::markings::{Classification, HandlingCode};
use tracing::{info, instrument};

use crate::error::ImportError;
use crate::layout::{check_region_code, check_table_name, output_path, source_stem, table_dir};
use crate::parquet_sink::ParquetSink;
use crate::table_markings::MarkingPlan;
use crate::table_source::open_batches;

/// Markings given to every row of a dataset whose source has no marking columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultMarkings {
    /// Owning force; when `None` the region code is written, the region itself owning the data.
    pub force: Option<String>,
    /// `OFFICIAL`, `OFFICIAL-SENSITIVE` or `SECRET`.
    pub classification: String,
    /// `P` or `C`.
    pub handling_code: String,
    /// Required when the handling code is `C`.
    pub handling_conditions: Option<String>,
}

impl DefaultMarkings {
    /// Checks the markings are known values and that code `C` comes with conditions.
    pub fn validate(&self) -> Result<(), ImportError> {
        let invalid = |message: String| ImportError::InvalidMarkings(message);
        self.classification.parse::<Classification>().map_err(|error| invalid(format!("classification: {error}")))?;
        let code =
            self.handling_code.parse::<HandlingCode>().map_err(|error| invalid(format!("handling_code: {error}")))?;
        let has_conditions =
            self.handling_conditions.as_deref().is_some_and(|conditions| !conditions.trim().is_empty());
        if code == HandlingCode::Conditions && !has_conditions {
            return Err(invalid("handling_conditions: required when handling_code is C".to_owned()));
        }
        if self.force.as_deref().is_some_and(|force| force.trim().is_empty()) {
            return Err(invalid("force: empty; leave it out to use the region code".to_owned()));
        }
        Ok(())
    }
}

/// The outcome of [`import_table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableImport {
    /// Rows written.
    pub rows: u64,
    /// The Parquet file written (it replaces any earlier import of the same source file).
    pub output: PathBuf,
    /// Whether the default markings were added (false: the source carried its own).
    pub markings_added: bool,
}

/// Imports a CSV (with header; schema inferred) or Parquet file as table `table` of `region`.
///
/// Sources without marking columns get `markings` and record ids `<file stem>:<row>` (rows
/// counted from 1). Sources with all marking columns keep them (moved to the front) and must not
/// claim another region; sources with only some of them are refused.
#[instrument(skip_all, fields(region, table, file = %file.display()))]
pub fn import_table(
    out_dir: &Path,
    region: &str,
    table: &str,
    file: &Path,
    markings: &DefaultMarkings,
) -> Result<TableImport, ImportError> {
    check_region_code(region)?;
    check_table_name(table)?;
    if cdm::table_by_name(table).is_some() {
        return Err(ImportError::ReservedTable(table.to_owned()));
    }
    markings.validate()?;
    let stem = source_stem(file)?;
    let (source_schema, batches) = open_batches(file)?;
    let plan = MarkingPlan::new(file, &source_schema, region, &stem, markings)?;
    let destination = output_path(&table_dir(out_dir, region, table), &stem);
    let mut sink = ParquetSink::create(&destination, plan.output_schema())?;
    for batch in batches {
        let source_batch = batch.map_err(|source| ImportError::Arrow { path: file.to_owned(), source })?;
        let marked = plan.apply(&source_batch, sink.rows())?;
        sink.write(&marked)?;
    }
    let rows = sink.rows();
    let output = sink.commit()?;
    info!(rows, markings_added = plan.adds_markings(), "table imported");
    Ok(TableImport { rows, output, markings_added: plan.adds_markings() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markings(classification: &str, code: &str, conditions: Option<&str>) -> DefaultMarkings {
        DefaultMarkings {
            force: None,
            classification: classification.to_owned(),
            handling_code: code.to_owned(),
            handling_conditions: conditions.map(str::to_owned),
        }
    }

    #[test]
    fn markings_are_validated() {
        assert!(markings("OFFICIAL", "P", None).validate().is_ok());
        assert!(markings("OFFICIAL-SENSITIVE", "C", Some("not for release")).validate().is_ok());
        assert!(markings("RESTRICTED", "P", None).validate().is_err());
        assert!(markings("OFFICIAL", "X", None).validate().is_err());
        assert!(markings("OFFICIAL", "C", None).validate().is_err());
        assert!(markings("OFFICIAL", "C", Some(" ")).validate().is_err());
    }
}
