//! Audit before disclose (INV-2): the gate every batch passes before any byte of it is sent, at
//! the node (to the hub) and at the hub (to the caller). [`AuditedRelease`] makes a disclosure
//! record durable (rows, record ids, safeguarding flags; never record content) before the batch
//! leaves; when the trail cannot be written the stream stops and nothing more is released.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use toex_audit::{AuditLog, AuditRecord, RecordKind, RegionOutcome};

use crate::cdm::{RECORD_ID, REGION};

/// Safeguarding flag: the answer touches a person marked vulnerable.
pub const VULNERABLE_PERSON: &str = "VULNERABLE_PERSON";
/// Safeguarding flag: the answer touches a victim of exploitation.
pub const VICTIM_OF_EXPLOITATION: &str = "VICTIM_OF_EXPLOITATION";

/// Why a batch may not be released.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReleaseRefused(pub String);

/// Decides, before each batch leaves, that it may.
pub trait ReleaseGate: Send {
    /// Called with each batch before any of it is sent; an error stops the stream and none of
    /// this batch is sent.
    fn admit(&mut self, batch: &RecordBatch) -> impl Future<Output = Result<(), ReleaseRefused>> + Send;
}

/// A gate that lets everything through (for callers that audit elsewhere, and tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct OpenGate;

impl ReleaseGate for OpenGate {
    async fn admit(&mut self, _batch: &RecordBatch) -> Result<(), ReleaseRefused> {
        Ok(())
    }
}

/// Writes a durable disclosure record before each batch is released, and remembers the
/// safeguarding flags raised so far.
pub struct AuditedRelease {
    log: Arc<AuditLog>,
    template: AuditRecord,
    default_region: String,
    flags: BTreeSet<String>,
}

impl AuditedRelease {
    /// A gate writing disclosures shaped like `template` (principal, purpose, query id ...).
    /// Rows without a `region` column are attributed to `default_region`.
    pub fn new(log: Arc<AuditLog>, template: AuditRecord, default_region: &str) -> Self {
        Self { log, template, default_region: default_region.to_owned(), flags: BTreeSet::new() }
    }

    /// The safeguarding flags raised by what was released so far.
    pub fn safeguarding_flags(&self) -> Vec<String> {
        self.flags.iter().cloned().collect()
    }
}

impl ReleaseGate for AuditedRelease {
    async fn admit(&mut self, batch: &RecordBatch) -> Result<(), ReleaseRefused> {
        let flags = safeguarding_flags(batch);
        self.flags.extend(flags.iter().cloned());
        let mut record = self.template.clone();
        record.kind = RecordKind::Disclosure;
        record.region_outcomes = released_by_region(batch, &self.default_region);
        record.safeguarding_flags = flags;
        self.log.append(record).await.map(|_| ()).map_err(|error| ReleaseRefused(error.to_string()))
    }
}

/// Rows and record ids of a batch, per owning region (`region` column), or all under
/// `default_region` when the batch has no region column.
pub fn released_by_region(batch: &RecordBatch, default_region: &str) -> Vec<RegionOutcome> {
    let regions = string_column(batch, REGION);
    let ids = string_column(batch, RECORD_ID);
    // Keyed by the batch's own strings: one allocation per region, not per row.
    let mut by_region: BTreeMap<&str, RegionOutcome> = BTreeMap::new();
    for row in 0..batch.num_rows() {
        let region = regions.as_ref().and_then(|column| value(column.as_ref(), row)).unwrap_or(default_region);
        let outcome = by_region.entry(region).or_insert_with(|| RegionOutcome::new(region));
        outcome.rows_released += 1;
        if let Some(id) = ids.as_ref().and_then(|column| value(column.as_ref(), row)) {
            outcome.record_ids.push(id.to_owned());
        }
    }
    by_region.into_values().collect()
}

/// The safeguarding flags a batch raises: a `vulnerable` column with a true value, or a
/// `person_category` column saying VICTIM.
pub fn safeguarding_flags(batch: &RecordBatch) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(column) = batch.column_by_name("vulnerable")
        && column.data_type() == &DataType::Boolean
        && column.as_boolean().true_count() > 0
    {
        flags.push(VULNERABLE_PERSON.to_owned());
    }
    if let Some(categories) = string_column(batch, "person_category")
        && (0..batch.num_rows()).any(|row| value(categories.as_ref(), row) == Some("VICTIM"))
    {
        flags.push(VICTIM_OF_EXPLOITATION.to_owned());
    }
    flags
}

fn string_column(batch: &RecordBatch, name: &str) -> Option<Arc<dyn Array>> {
    batch.column_by_name(name).filter(|column| column.data_type() == &DataType::Utf8).cloned()
}

fn value(column: &dyn Array, row: usize) -> Option<&str> {
    column.is_valid(row).then(|| column.as_string::<i32>().value(row))
}
