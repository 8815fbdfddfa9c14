//! The node's own audit records: the query id the hub gave, the peer that called (the hub's
//! certificate identity), the user the node acted for, the purpose, the query, what the node's
//! policy decided and what it sent. Ids and counts only, never record content. Every record is
//! durable before anything it documents leaves the node: a SQL query's consultation commits
//! while the query is planned and run and is durable before the first byte of its answer, each
//! batch's disclosure before the batch is sent, and the completion of a clean answer with its
//! last disclosure; an index lookup (check, search),
//! which reads only memory and releases nothing until it returns, commits its consultation and
//! disclosure together. When the trail cannot be written the node refuses with `UNAVAILABLE`
//! and sends nothing.

use toex_audit::{
    AuditLog, AuditRecord, CompletionStatus, NodeIdentity, PendingCommit, Principal, Purpose, QueryDescription,
    RecordKind, RegionOutcome,
};
use toex_tls::HUB_IDENTITY;

use crate::error::NodeError;
use crate::guard::Delegated;

/// What a node record is about.
pub struct Subject<'a> {
    /// The hub's query id.
    pub query_id: &'a str,
    /// The node's region.
    pub region: &'a str,
    /// `sql` or `hit_no_hit`.
    pub operation: &'a str,
    /// The SQL received, if any.
    pub text: Option<String>,
    /// Normalised identifiers checked, if any.
    pub identifiers: Vec<String>,
}

/// A record of `kind`; `caller` is the verified delegation, when there is one.
pub fn record(kind: RecordKind, subject: Subject<'_>, caller: Option<&Delegated>) -> AuditRecord {
    let mut record = AuditRecord::new(kind, subject.query_id);
    record.principal = Some(Principal { subject: HUB_IDENTITY.to_owned(), ..Principal::default() });
    record.node = Some(NodeIdentity {
        node_id: format!("spiffe://toex.federation/node/{}", subject.region),
        region: subject.region.to_owned(),
    });
    record.query = Some(QueryDescription {
        operation: subject.operation.to_owned(),
        text: subject.text,
        ..QueryDescription::default()
    });
    record.identifiers = subject.identifiers;
    if let Some(caller) = caller {
        let claims = &caller.claims;
        record.acting_for = Some(Principal {
            subject: claims.subject.clone(),
            display_name: String::new(),
            roles: claims.roles.iter().map(|role| role.as_str().to_owned()).collect(),
            clearance: claims.clearance.as_str().to_owned(),
            home_region: claims.home_region.clone().unwrap_or_default(),
        });
        record.purpose = Some(Purpose {
            justification: claims.purpose.justification.clone(),
            case_reference: claims.purpose.case_reference.clone(),
        });
    }
    record
}

/// Appends `record` durably; failure is `UNAVAILABLE` (fail closed).
pub async fn append(log: &AuditLog, record: AuditRecord) -> Result<(), NodeError> {
    append_all(log, vec![record]).await
}

/// Hands `record` to the trail without waiting for it to be durable: the caller must not
/// release anything it documents before a later commit (or this one) is durable. Failure is
/// `UNAVAILABLE` (fail closed).
pub async fn submit(log: &AuditLog, record: AuditRecord) -> Result<PendingCommit, NodeError> {
    log.submit(vec![record]).await.map_err(unavailable)
}

/// Appends records that belong together (a lookup's consultation and its outcome) with one
/// commit, in order; durable before the call returns. Failure is `UNAVAILABLE` (fail closed).
pub async fn append_all(log: &AuditLog, records: Vec<AuditRecord>) -> Result<(), NodeError> {
    log.append_all(records).await.map(|_| ()).map_err(unavailable)
}

/// The node's answer when its trail cannot keep a record.
fn unavailable(error: toex_audit::AuditError) -> NodeError {
    tracing::error!(target: "toex::audit", %error, "audit records could not be written; failing closed");
    NodeError::AuditUnavailable(error.to_string())
}

/// Records a refusal or failure; returns the error to answer with (the audit's own failure
/// replaces it, since then nothing may be answered but `UNAVAILABLE`).
pub async fn refusal(log: &AuditLog, record: AuditRecord, error: NodeError) -> NodeError {
    refusal_after(log, Vec::new(), record, error).await
}

/// Records `earlier` records (a lookup's consultation) and then the refusal of that lookup,
/// with one commit; returns the error to answer with, as [`refusal`] does.
pub async fn refusal_after(
    log: &AuditLog,
    mut earlier: Vec<AuditRecord>,
    mut record: AuditRecord,
    error: NodeError,
) -> NodeError {
    record.kind = match error {
        NodeError::Denied(_) | NodeError::Unauthenticated => RecordKind::Denied,
        _ => RecordKind::Failed,
    };
    record.completion = Some(CompletionStatus::Failed);
    record.note = Some(error.to_string());
    if matches!(error, NodeError::AuditUnavailable(_)) {
        return error;
    }
    earlier.push(record);
    match append_all(log, earlier).await {
        Ok(()) => error,
        Err(audit_error) => audit_error,
    }
}

/// The completion record of a query: how many rows were sent, and how it ended.
pub fn completion(mut record: AuditRecord, status: CompletionStatus, note: Option<String>) -> AuditRecord {
    record.kind = RecordKind::Completion;
    record.completion = Some(status);
    record.note = note;
    record
}

/// A disclosure record of hit counts per checked identifier's region.
pub fn hits_disclosed(mut record: AuditRecord, region: &str, counted: u64) -> AuditRecord {
    record.kind = RecordKind::Disclosure;
    record.completion = Some(CompletionStatus::Complete);
    record.region_outcomes = vec![RegionOutcome { rows_released: counted, ..RegionOutcome::new(region) }];
    record
}

/// What a search looked for, as the trail records it: the values, or the person criteria.
pub fn searched(request: &toex_proto::v1::NodeSearchRequest) -> Vec<String> {
    match &request.person {
        Some(person) if request.values.is_empty() => {
            let described = [person.surname.as_str(), person.forenames.as_str(), person.dob.as_str()]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            vec![described]
        }
        _ => request.values.iter().map(|value| value.value.clone()).collect(),
    }
}

/// The disclosure record of a search: every record released (matches and links), the count of
/// withheld matches, and the safeguarding flags raised.
pub fn search_disclosed(mut record: AuditRecord, region: &str, outcome: &crate::search::SearchOutcome) -> AuditRecord {
    record.kind = RecordKind::Disclosure;
    record.completion = Some(CompletionStatus::Complete);
    record.region_outcomes = vec![RegionOutcome {
        rows_released: outcome.released.len() as u64,
        record_ids: outcome.released.clone(),
        ..RegionOutcome::new(region)
    }];
    record.safeguarding_flags = outcome.safeguarding.clone();
    if outcome.response.withheld > 0 {
        record.note = Some(format!("{} matching records withheld (hit only)", outcome.response.withheld));
    }
    record
}
