//! The hub's audit records (DESIGN §6, DPA 2018 s.62): who consulted, why, what was asked, which
//! regions were asked and what each decided and sent, what was released to the caller, and how
//! the request ended. Ids and parameters only, never record content. Every record is durable
//! before anything it documents reaches the caller: a SQL query's consultation before it is fanned
//! out, an index lookup's while its regions are asked (see [`while_consulting`]). When a record
//! cannot be written the request fails `UNAVAILABLE` and nothing is released.

use std::sync::Arc;

use toex_audit::{
    AuditError, AuditLog, AuditRecord, CompletionStatus, Decision, Principal, Purpose, QueryDescription, RecordKind,
    RegionOutcome as AuditOutcome, RegionStatus as AuditStatus,
};
use toex_common::identifiers::MAX_CHECK_IDENTIFIERS;
use toex_common::sql_guard::MAX_QUERY_BYTES;
use toex_proto::v1::{RegionOutcome, RegionStatus};

use crate::caller::Caller;
use crate::error::HubError;

/// The pseudo-region that rows released to the caller are attributed to when the answer does
/// not say which region they came from (aggregates, joins without a region column).
pub const FEDERATION: &str = "FEDERATION";

/// The most identifier bytes one record keeps in all: a valid check (1 000 identifiers of at most
/// 128 bytes) fits whole. With the text bound, no request can make its own record too large for
/// an audit frame (which would leave the attempt unrecorded and answer `UNAVAILABLE`).
pub const MAX_RECORDED_IDENTIFIER_BYTES: usize = 128 * 1024;
/// The most of one identifier a record keeps (a person search's name and date of birth fit).
pub const MAX_RECORDED_IDENTIFIER_LEN: usize = 1024;

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

/// A record of `kind` for one request of `caller`. Query text longer than any valid statement
/// ([`MAX_QUERY_BYTES`]) and identifiers beyond what a valid request carries are cut, with a
/// note of how much there was: such requests are refused, and their refusal must still fit.
pub fn record(
    kind: RecordKind,
    query_id: &str,
    caller: &Caller,
    operation: &str,
    text: Option<String>,
    identifiers: Vec<String>,
) -> AuditRecord {
    let text = text.map(|text| bounded(text, MAX_QUERY_BYTES));
    let identifiers = bounded_identifiers(identifiers);
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

/// `text`, or as much of it as `limit` bytes allow (on a character boundary) and its length.
fn bounded(text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... [{} bytes in all; the rest is not recorded]", &text[..end], text.len())
}

/// The identifiers a record keeps: at most [`MAX_CHECK_IDENTIFIERS`] and
/// [`MAX_RECORDED_IDENTIFIER_BYTES`] in all, each cut at [`MAX_RECORDED_IDENTIFIER_LEN`], then
/// a last entry saying how many more there were.
fn bounded_identifiers(identifiers: Vec<String>) -> Vec<String> {
    let given = identifiers.len();
    let mut budget = MAX_RECORDED_IDENTIFIER_BYTES;
    let mut kept = Vec::with_capacity(given.min(MAX_CHECK_IDENTIFIERS + 1));
    for identifier in identifiers {
        let identifier = bounded(identifier, MAX_RECORDED_IDENTIFIER_LEN);
        if kept.len() == MAX_CHECK_IDENTIFIERS || identifier.len() > budget {
            break;
        }
        budget -= identifier.len();
        kept.push(identifier);
    }
    if kept.len() < given {
        kept.push(format!("... {} more identifiers not recorded ({given} in all)", given - kept.len()));
    }
    kept
}

/// Appends `record`, durably; an audit failure is `UNAVAILABLE` for the caller.
pub async fn append(log: &AuditLog, record: AuditRecord) -> Result<(), HubError> {
    log.append(record).await.map(|_| ()).map_err(fail_closed)
}

/// Runs `fan_out` while `consultation` is committed, and returns its result only once the
/// consultation is durable: an index lookup's fan-out then waits for no fsync, and nothing
/// reaches the caller before its record (each node records its own consultation before it
/// answers). A trail already failing refuses before anything is fanned out; one that fails
/// during the fan-out discards the answers (fail closed).
pub async fn while_consulting<T>(
    log: &AuditLog,
    consultation: AuditRecord,
    fan_out: impl Future<Output = T>,
) -> Result<T, HubError> {
    log.ensure_writable().map_err(fail_closed)?;
    let (consulted, answers) = tokio::join!(append(log, consultation), fan_out);
    consulted.map(|()| answers)
}

/// The caller's error when the trail cannot keep a record: nothing may be released.
fn fail_closed(error: AuditError) -> HubError {
    tracing::error!(target: "toex::audit", %error, "audit record could not be written; failing closed");
    HubError::AuditUnavailable(error.to_string())
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

/// How an answer that was given ended: in full, or without some region.
pub fn answered(complete: bool) -> CompletionStatus {
    if complete { CompletionStatus::Complete } else { CompletionStatus::Partial }
}

/// Writes the completion record of a request.
pub struct Completion {
    pub log: Arc<AuditLog>,
    pub template: AuditRecord,
}

impl Completion {
    /// The record of how the request ended: its status, each region's account and the
    /// safeguarding flags raised by what was released.
    pub fn record(
        &self,
        status: CompletionStatus,
        outcomes: &[RegionOutcome],
        flags: Vec<String>,
        note: Option<String>,
    ) -> AuditRecord {
        let mut record = self.template.clone();
        record.kind = RecordKind::Completion;
        record.completion = Some(status);
        record.region_outcomes = received(outcomes);
        record.safeguarding_flags = flags;
        record.note = note;
        record
    }

    /// Writes [`Self::record`] durably.
    pub async fn write(
        &self,
        status: CompletionStatus,
        outcomes: &[RegionOutcome],
        flags: Vec<String>,
        note: Option<String>,
    ) -> Result<(), HubError> {
        let record = self.record(status, outcomes, flags, note);
        append(&self.log, record).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_valid_request_carries_is_recorded_whole() {
        let statement = "x".repeat(MAX_QUERY_BYTES);
        assert_eq!(bounded(statement.clone(), MAX_QUERY_BYTES), statement);
        let check: Vec<String> = (0..MAX_CHECK_IDENTIFIERS).map(|index| format!("{index:0>128}")).collect();
        assert_eq!(bounded_identifiers(check.clone()), check);
    }

    #[test]
    fn oversized_text_and_identifiers_are_cut_with_a_count() {
        let text = bounded(format!("SELECT '{}'", "\u{e9}".repeat(MAX_QUERY_BYTES)), MAX_QUERY_BYTES);
        assert!(text.len() < MAX_QUERY_BYTES + 64, "{}", text.len());
        assert!(text.ends_with(&format!("[{} bytes in all; the rest is not recorded]", 9 + 2 * MAX_QUERY_BYTES)));
        let many = bounded_identifiers(vec![String::new(); 1_000_000]);
        assert_eq!(many.len(), MAX_CHECK_IDENTIFIERS + 1);
        assert_eq!(many[MAX_CHECK_IDENTIFIERS], "... 999000 more identifiers not recorded (1000000 in all)");
        let long = bounded_identifiers(vec!["7".repeat(1024 * 1024); 3]);
        assert_eq!(long.len(), 3, "each is cut; three cut ones fit");
        assert!(long[..3].iter().all(|identifier| identifier.len() < MAX_RECORDED_IDENTIFIER_LEN + 64));
        let total: usize = bounded_identifiers(vec!["7".repeat(1_000); 1_000]).iter().map(String::len).sum();
        assert!(total <= MAX_RECORDED_IDENTIFIER_BYTES + 64, "{total}");
    }
}
