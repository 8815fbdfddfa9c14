//! The gate a SQL answer passes on its way to the caller. Every batch's disclosure is durable
//! before the batch leaves (INV-2). When the answer ends, the gate decides how (the summary the
//! caller is sent, or the failure that replaces it) from the regions' account, and a clean end's
//! completion record is committed with the last disclosure: one commit instead of two.

use std::sync::Arc;

use arrow::array::RecordBatch;
use toex_audit::{AuditRecord, CompletionStatus};
use toex_common::pump::PumpOutcome;
use toex_common::release::{AuditedRelease, ReleaseGate, ReleaseRefused};
use toex_proto::v1::{AnswerSummary, RegionOutcome, RegionStatus};

use crate::audit_trail::{Completion, answered};
use crate::error::HubError;
use crate::outcomes::{Outcomes, complete};

/// The release gate of one SQL answer at the hub.
pub struct AnswerRelease {
    disclosures: AuditedRelease,
    completion: Completion,
    outcomes: Arc<Outcomes>,
    query_id: String,
    require_complete: bool,
    /// How the answer ended, once it did, and whether that end is already in the trail.
    end: Option<(Result<AnswerSummary, HubError>, bool)>,
}

impl AnswerRelease {
    pub fn new(
        disclosures: AuditedRelease,
        completion: Completion,
        outcomes: Arc<Outcomes>,
        query_id: String,
        require_complete: bool,
    ) -> Self {
        Self { disclosures, completion, outcomes, query_id, require_complete, end: None }
    }

    /// The regions' account so far.
    pub fn regions(&self) -> Vec<RegionOutcome> {
        self.outcomes.snapshot()
    }

    /// True when the caller asked for every region or nothing.
    pub fn require_complete(&self) -> bool {
        self.require_complete
    }

    /// The summary of an answer that ended with `end`, or the failure that replaces it.
    pub fn summary_of(&self, end: &PumpOutcome) -> Result<AnswerSummary, HubError> {
        summarise(
            self.query_id.clone(),
            self.regions(),
            *end,
            self.require_complete,
            self.disclosures.safeguarding_flags(),
        )
    }

    /// How the answer ended, when the stream ended cleanly, and true when its completion is
    /// already durable (otherwise [`Self::record_end`] is still owed).
    pub fn take_end(&mut self) -> Option<(Result<AnswerSummary, HubError>, bool)> {
        self.end.take()
    }

    /// Records how the answer ended, when the gate could not: `status`, each region's account,
    /// the safeguarding flags raised and a note.
    pub async fn record_end(&self, status: CompletionStatus, note: Option<String>) -> Result<(), HubError> {
        let regions = self.regions();
        self.completion.write(status, &regions, self.disclosures.safeguarding_flags(), note).await
    }

    /// Decides how the answer ends; returns the completion to commit with the last disclosure
    /// when it ends cleanly.
    fn decide(&mut self, end: &PumpOutcome) -> Option<AuditRecord> {
        let decided = self.summary_of(end);
        let completion = decided.as_ref().ok().map(|summary| {
            self.completion.record(answered(summary.complete), &summary.regions, summary.safeguarding.clone(), None)
        });
        self.end = Some((decided, false));
        completion
    }

    /// Commits `records` and the completion of a clean end, and notes that the end is recorded.
    async fn commit_end(&mut self, mut records: Vec<AuditRecord>, end: &PumpOutcome) -> Result<(), ReleaseRefused> {
        let completion = self.decide(end);
        let recorded = completion.is_some();
        records.extend(completion);
        self.disclosures.commit(records).await?;
        if let Some((_, in_trail)) = self.end.as_mut() {
            *in_trail = recorded;
        }
        Ok(())
    }
}

impl ReleaseGate for AnswerRelease {
    async fn admit(&mut self, batch: &RecordBatch, end: Option<&PumpOutcome>) -> Result<(), ReleaseRefused> {
        let disclosure = self.disclosures.disclosure(batch);
        match end {
            Some(end) => self.commit_end(vec![disclosure], end).await,
            None => self.disclosures.commit(vec![disclosure]).await,
        }
    }

    async fn admit_end(&mut self, end: &PumpOutcome) -> Result<(), ReleaseRefused> {
        self.commit_end(Vec::new(), end).await
    }
}

/// The summary of a fully streamed answer, or the failure that replaces it: no region answering
/// is `UNAVAILABLE`, never an empty success.
fn summarise(
    query_id: String,
    regions: Vec<RegionOutcome>,
    outcome: PumpOutcome,
    require_complete: bool,
    safeguarding: Vec<String>,
) -> Result<AnswerSummary, HubError> {
    // A region that sent rows before it stopped (at its cap, or cut off) contributed to the
    // answer; only an answer no region contributed to is refused as empty.
    let answered = regions.iter().filter(|region| region.status == RegionStatus::Ok as i32 || region.rows > 0).count();
    if !regions.is_empty() && answered == 0 {
        let failed: Vec<_> = regions
            .iter()
            .map(|region| {
                let status = RegionStatus::try_from(region.status).unwrap_or(RegionStatus::Unspecified);
                format!("{} {}: {}", region.region, status.as_str_name(), region.detail)
            })
            .collect();
        return Err(HubError::Incomplete(format!("no region answered ({})", failed.join("; "))));
    }
    if require_complete && !complete(&regions) {
        return Err(HubError::Incomplete("a region did not answer and a complete answer was required".to_owned()));
    }
    Ok(AnswerSummary {
        query_id,
        complete: complete(&regions),
        regions,
        rows: outcome.rows,
        truncated: outcome.truncated,
        safeguarding,
    })
}

#[cfg(test)]
mod tests {
    use arrow::array::{ArrayRef, StringArray};
    use toex_audit::{AuditConfig, AuditLog, RecordKind};
    use toex_common::cdm::RECORD_ID;

    use super::*;

    fn gate(dir: &std::path::Path, outcomes: &Arc<Outcomes>) -> (Arc<AuditLog>, AnswerRelease) {
        let log = Arc::new(AuditLog::open(AuditConfig::in_dir(dir)).expect("log"));
        let template = AuditRecord::new(RecordKind::Consultation, "q-1");
        let disclosures = AuditedRelease::new(Arc::clone(&log), template.clone(), "FEDERATION");
        let completion = Completion { log: Arc::clone(&log), template };
        (Arc::clone(&log), AnswerRelease::new(disclosures, completion, Arc::clone(outcomes), "q-1".into(), false))
    }

    fn released(ids: &[&str]) -> RecordBatch {
        let ids: ArrayRef = Arc::new(StringArray::from(ids.to_vec()));
        RecordBatch::try_from_iter([(RECORD_ID, ids)]).expect("batch")
    }

    fn kinds(dir: &std::path::Path) -> Vec<RecordKind> {
        toex_audit::read_records(dir).expect("trail").iter().map(|record| record.kind).collect()
    }

    #[tokio::test]
    async fn a_clean_end_is_recorded_with_the_last_disclosure_and_summarised_once() {
        let dir = tempfile::tempdir().expect("dir");
        let outcomes = Arc::new(Outcomes::new());
        for region in ["LONDON", "TARIAN"] {
            outcomes.expect_call(region);
        }
        outcomes.add_rows("LONDON", 3);
        outcomes.finish_call("LONDON", RegionStatus::Ok, "");
        outcomes.finish_call("TARIAN", RegionStatus::Unavailable, "connection refused");
        let (log, mut release) = gate(dir.path(), &outcomes);

        release.admit(&released(&["LON-1", "LON-2"]), None).await.expect("first batch");
        let before = log.fsync_count();
        let end = PumpOutcome { rows: 3, bytes: 100, truncated: false };
        release.admit(&released(&["LON-3"]), Some(&end)).await.expect("last batch");
        assert_eq!(log.fsync_count() - before, 1, "the last disclosure and the completion share one commit");

        let (summary, recorded) = release.take_end().expect("the gate decided the end");
        let summary = summary.expect("a partial answer is still an answer");
        assert!(recorded);
        assert_eq!((summary.rows, summary.complete), (3, false));
        assert_eq!(kinds(dir.path()), [RecordKind::Disclosure, RecordKind::Disclosure, RecordKind::Completion]);
        let records = toex_audit::read_records(dir.path()).expect("trail");
        assert_eq!(records[2].completion, Some(CompletionStatus::Partial), "one region did not answer");
        assert!(records[2].region_outcomes.iter().any(|outcome| outcome.region == "TARIAN"));
    }

    #[tokio::test]
    async fn an_answer_no_region_gave_is_refused_and_its_end_left_to_record() {
        let dir = tempfile::tempdir().expect("dir");
        let outcomes = Arc::new(Outcomes::new());
        outcomes.expect_call("LONDON");
        outcomes.finish_call("LONDON", RegionStatus::Timeout, "no answer");
        let (_log, mut release) = gate(dir.path(), &outcomes);

        release.admit_end(&PumpOutcome::default()).await.expect("nothing to disclose");
        let (ended, recorded) = release.take_end().expect("decided");
        assert!(matches!(ended, Err(HubError::Incomplete(_))), "{ended:?}");
        assert!(!recorded, "a refused end is recorded with its reason by the caller");
        assert!(kinds(dir.path()).is_empty());
        release.record_end(CompletionStatus::Failed, Some("no region answered".into())).await.expect("recorded");
        assert_eq!(kinds(dir.path()), [RecordKind::Completion]);
    }
}
