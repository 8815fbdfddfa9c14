//! The hub's audit records (DESIGN §6, DPA 2018 s.62): who consulted, why, what was asked, which
//! regions were asked and what each decided and sent, what was released to the caller, and how
//! the request ended. Ids and parameters only, never record content. Every record is durable
//! before the step it documents happens; when it cannot be written the request fails
//! `UNAVAILABLE` and nothing is released.

use std::sync::Arc;

use toex_audit::{
    AuditLog, AuditRecord, CompletionStatus, Decision, Principal, Purpose, QueryDescription, RecordKind,
    RegionOutcome as AuditOutcome, RegionStatus as AuditStatus,
};
use toex_proto::v1::{RegionOutcome, RegionStatus};

use crate::caller::Caller;
use crate::error::HubError;

/// The pseudo-region that rows released to the caller are attributed to when the answer does
/// not say which region they came from (aggregates, joins without a region column).
pub const FEDERATION: &str = "FEDERATION";

/// The audit view of a caller.
pub fn principal(caller: &Caller) -> Principal {
    let claims = &caller.claims;
    Principal {
        subject: claims.subject.clone(),
        display_name: claims.display_name.clone().unwrap_or_default(),
        roles: claims.roles.iter().map(|role| role.as_str().to_owned()).collect(),
        clearance: claims.clearance.as_str().to_owned(),
        home_region: claims.home_region.clone().unwrap_or_default(),
    }
}

/// A record of `kind` for one request of `caller`.
pub fn record(
    kind: RecordKind,
    query_id: &str,
    caller: &Caller,
    operation: &str,
    text: Option<String>,
    identifiers: Vec<String>,
) -> AuditRecord {
    let mut record = AuditRecord::new(kind, query_id);
    record.principal = Some(principal(caller));
    record.purpose = Some(Purpose {
        justification: caller.purpose.justification.clone(),
        case_reference: caller.purpose.case_reference.clone(),
    });
    record.query = Some(QueryDescription { operation: operation.to_owned(), text, ..QueryDescription::default() });
    record.identifiers = identifiers;
    record
}

/// Appends `record`, durably; an audit failure is `UNAVAILABLE` for the caller.
pub async fn append(log: &AuditLog, record: AuditRecord) -> Result<(), HubError> {
    log.append(record).await.map(|_| ()).map_err(|error| {
        tracing::error!(target: "toex::audit", %error, "audit record could not be written; failing closed");
        HubError::AuditUnavailable(error.to_string())
    })
}

/// Records a refused or failed request (the refusal itself is returned unless the audit fails).
pub async fn record_refusal(log: &AuditLog, mut record: AuditRecord, error: &HubError) -> Result<(), HubError> {
    record.kind = if matches!(error, HubError::Denied(_)) { RecordKind::Denied } else { RecordKind::Failed };
    record.completion = Some(CompletionStatus::Failed);
    record.note = Some(error.to_string());
    if matches!(error, HubError::AuditUnavailable(_)) {
        return Ok(());
    }
    append(log, record).await
}

/// The audit status of a region outcome.
pub fn status(status: i32) -> AuditStatus {
    match RegionStatus::try_from(status).unwrap_or(RegionStatus::Unspecified) {
        RegionStatus::Ok | RegionStatus::Unspecified => AuditStatus::Ok,
        RegionStatus::HitOnly => AuditStatus::HitOnly,
        RegionStatus::Denied => AuditStatus::Denied,
        RegionStatus::Timeout => AuditStatus::Timeout,
        RegionStatus::Unavailable => AuditStatus::Unavailable,
        RegionStatus::Error => AuditStatus::Error,
    }
}

/// A decision for one region, before anything was asked.
pub fn decided(region: &str, decision: Decision) -> AuditOutcome {
    AuditOutcome { decision: Some(decision), ..AuditOutcome::new(region) }
}

/// The final account of each region: its status and the rows the hub received from it.
pub fn received(outcomes: &[RegionOutcome]) -> Vec<AuditOutcome> {
    outcomes
        .iter()
        .map(|outcome| AuditOutcome {
            status: Some(status(outcome.status)),
            rows_received: outcome.rows,
            ..AuditOutcome::new(&outcome.region)
        })
        .collect()
}

/// Writes the completion record of a request.
pub struct Completion {
    pub log: Arc<AuditLog>,
    pub template: AuditRecord,
}

impl Completion {
    /// Records how the request ended: its status, each region's account and the safeguarding
    /// flags raised by what was released.
    pub async fn write(
        self,
        status: CompletionStatus,
        outcomes: &[RegionOutcome],
        flags: Vec<String>,
        note: Option<String>,
    ) -> Result<(), HubError> {
        let mut record = self.template;
        record.kind = RecordKind::Completion;
        record.completion = Some(status);
        record.region_outcomes = received(outcomes);
        record.safeguarding_flags = flags;
        record.note = note;
        append(&self.log, record).await
    }
}
