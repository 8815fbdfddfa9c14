//! Audit before disclose (INV-2): the gate every batch passes before any byte of it is sent, at
//! the node (to the hub) and at the hub (to the caller). [`AuditedRelease`] makes a disclosure
//! record durable (rows, record ids, safeguarding flags; never record content) before the batch
//! leaves; when the trail cannot be written the stream stops and nothing more is released. The
//! gate is told which batch is the last, so the record of how the answer ended can share that
//! batch's commit.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use toex_audit::{AuditLog, AuditRecord, PendingCommit, RecordKind, RegionOutcome};

use crate::cdm::{RECORD_ID, REGION};
use crate::pump::PumpOutcome;

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
    /// Called with each batch before any of it is sent. `end` is the whole answer's account
    /// (this batch counted) when the answer ends with this batch, so the end may be recorded
    /// with it. An error stops the stream and none of this batch is sent.
    fn admit(
        &mut self,
        batch: &RecordBatch,
        end: Option<&PumpOutcome>,
    ) -> impl Future<Output = Result<(), ReleaseRefused>> + Send;

    /// Called instead when the answer ends with no rows left to admit, before its schema header
    /// is sent (if it was not). An error stops the stream and nothing more is sent.
    fn admit_end(&mut self, end: &PumpOutcome) -> impl Future<Output = Result<(), ReleaseRefused>> + Send;
}

/// A gate that lets everything through (for callers that audit elsewhere, and tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct OpenGate;

impl ReleaseGate for OpenGate {
    async fn admit(&mut self, _batch: &RecordBatch, _end: Option<&PumpOutcome>) -> Result<(), ReleaseRefused> {
        Ok(())
    }

    async fn admit_end(&mut self, _end: &PumpOutcome) -> Result<(), ReleaseRefused> {
        Ok(())
    }
}

/// Writes a durable disclosure record before each batch is released, and remembers the
/// safeguarding flags raised so far. Before the first byte leaves it also waits for an earlier
/// commit it was given (the consultation, committed while the query was planned and run), and
/// it can record the answer's end in the commit of its last disclosure.
pub struct AuditedRelease {
    log: Arc<AuditLog>,
    template: AuditRecord,
    default_region: String,
    flags: BTreeSet<String>,
    earlier: Option<PendingCommit>,
    completion: Option<AuditRecord>,
    ended: bool,
}

impl AuditedRelease {
    /// A gate writing disclosures shaped like `template` (principal, purpose, query id ...).
    /// Rows without a `region` column are attributed to `default_region`.
    pub fn new(log: Arc<AuditLog>, template: AuditRecord, default_region: &str) -> Self {
        Self {
            log,
            template,
            default_region: default_region.to_owned(),
            flags: BTreeSet::new(),
            earlier: None,
            completion: None,
            ended: false,
        }
    }

    /// Nothing is released before `earlier` (submitted before this gate's first record) is
    /// durable.
    pub fn after(mut self, earlier: PendingCommit) -> Self {
        self.earlier = Some(earlier);
        self
    }

    /// When the answer ends cleanly, `completion` is committed with the last disclosure (or
    /// on its own, before the header of an answer with no rows): see [`Self::recorded_end`].
    pub fn ending_with(mut self, completion: AuditRecord) -> Self {
        self.completion = Some(completion);
        self
    }

    /// True once the completion given to [`Self::ending_with`] is durable; until then the
    /// caller still owes the trail the record of how the answer ended.
    pub fn recorded_end(&self) -> bool {
        self.ended
    }

    /// The safeguarding flags raised by what was released so far.
    pub fn safeguarding_flags(&self) -> Vec<String> {
        self.flags.iter().cloned().collect()
    }

    /// The disclosure record of `batch`, whose safeguarding flags are noted.
    pub fn disclosure(&mut self, batch: &RecordBatch) -> AuditRecord {
        let flags = safeguarding_flags(batch);
        self.flags.extend(flags.iter().cloned());
        let mut record = self.template.clone();
        record.kind = RecordKind::Disclosure;
        record.region_outcomes = released_by_region(batch, &self.default_region);
        record.safeguarding_flags = flags;
        record
    }

    /// Commits `records` with one commit and waits until they and the earlier commit are
    /// durable.
    pub async fn commit(&mut self, records: Vec<AuditRecord>) -> Result<(), ReleaseRefused> {
        let refused = |error: toex_audit::AuditError| ReleaseRefused(error.to_string());
        if !records.is_empty() {
            let pending = self.log.submit(records).await.map_err(refused)?;
            pending.durable().await.map_err(refused)?;
        }
        if let Some(earlier) = self.earlier.take() {
            earlier.durable().await.map_err(refused)?;
        }
        Ok(())
    }

    /// Commits `records` and, at the end, the completion given to [`Self::ending_with`].
    async fn commit_ending(&mut self, mut records: Vec<AuditRecord>, ends: bool) -> Result<(), ReleaseRefused> {
        let completion = if ends { self.completion.take() } else { None };
        let recorded = completion.is_some();
        records.extend(completion);
        self.commit(records).await?;
        self.ended = recorded;
        Ok(())
    }
}

impl ReleaseGate for AuditedRelease {
    async fn admit(&mut self, batch: &RecordBatch, end: Option<&PumpOutcome>) -> Result<(), ReleaseRefused> {
        let disclosure = self.disclosure(batch);
        self.commit_ending(vec![disclosure], end.is_some()).await
    }

    async fn admit_end(&mut self, _end: &PumpOutcome) -> Result<(), ReleaseRefused> {
        self.commit_ending(Vec::new(), true).await
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

#[cfg(test)]
mod tests {
    use arrow::array::StringArray;
    use arrow::datatypes::{Field, Schema};
    use toex_audit::AuditConfig;

    use super::*;

    fn released(ids: &[&str]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new(RECORD_ID, DataType::Utf8, false)]));
        RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(ids.to_vec()))]).expect("batch")
    }

    fn kinds(dir: &std::path::Path) -> Vec<RecordKind> {
        toex_audit::read_records(dir).expect("trail").into_iter().map(|record| record.kind).collect()
    }

    #[tokio::test]
    async fn the_end_is_committed_with_the_last_disclosure_after_the_consultation() {
        let dir = tempfile::tempdir().expect("dir");
        let log = Arc::new(AuditLog::open(AuditConfig::in_dir(dir.path())).expect("log"));
        let consultation = AuditRecord::new(RecordKind::Consultation, "q-1");
        let consulted = log.submit(vec![consultation]).await.expect("queued");
        let mut completion = AuditRecord::new(RecordKind::Completion, "q-1");
        completion.completion = Some(toex_audit::CompletionStatus::Complete);
        let template = AuditRecord::new(RecordKind::Consultation, "q-1");
        let mut gate =
            AuditedRelease::new(Arc::clone(&log), template, "LONDON").after(consulted).ending_with(completion);

        gate.admit(&released(&["LON-1", "LON-2"]), None).await.expect("first batch");
        assert!(!gate.recorded_end());
        let before_last = log.fsync_count();
        gate.admit(&released(&["LON-3"]), Some(&PumpOutcome::default())).await.expect("last batch");
        assert!(gate.recorded_end());
        assert_eq!(log.fsync_count() - before_last, 1, "the last disclosure and the completion share one commit");
        let records = toex_audit::read_records(dir.path()).expect("trail");
        let kinds: Vec<RecordKind> = records.iter().map(|record| record.kind).collect();
        assert_eq!(
            kinds,
            [RecordKind::Consultation, RecordKind::Disclosure, RecordKind::Disclosure, RecordKind::Completion]
        );
        assert_eq!(records[3].completion, Some(toex_audit::CompletionStatus::Complete));
        assert_eq!(records[2].region_outcomes[0].record_ids, ["LON-3"]);
    }

    #[tokio::test]
    async fn an_empty_answer_records_its_end_alone_and_a_refused_one_owes_it() {
        let dir = tempfile::tempdir().expect("dir");
        let log = Arc::new(AuditLog::open(AuditConfig::in_dir(dir.path())).expect("log"));
        let completion = AuditRecord::new(RecordKind::Completion, "q-2");
        let template = AuditRecord::new(RecordKind::Consultation, "q-2");
        let mut gate = AuditedRelease::new(Arc::clone(&log), template.clone(), "LONDON").ending_with(completion);
        gate.admit_end(&PumpOutcome::default()).await.expect("empty answer");
        assert!(gate.recorded_end());
        assert_eq!(kinds(dir.path()), [RecordKind::Completion]);

        // A batch that is not the last leaves the end to the caller.
        let mut gate = AuditedRelease::new(Arc::clone(&log), template, "LONDON")
            .ending_with(AuditRecord::new(RecordKind::Completion, "q-3"));
        gate.admit(&released(&["LON-9"]), None).await.expect("batch");
        assert!(!gate.recorded_end());
        assert_eq!(kinds(dir.path()), [RecordKind::Completion, RecordKind::Disclosure]);
    }
}
