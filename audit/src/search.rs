//! Audit search for professional-standards work: who searched for this identifier, under which
//! case, when. Reads every readable record of a trail (integrity is `verify`'s job) and filters.
//! `AuditLog::search_recorded` logs the search itself before returning results (s.62(4)).

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::error::AuditError;
use crate::frame::{ChainedBody, FrameCursor, FrameRead};
use crate::log::AuditLog;
use crate::record::{AuditRecord, Principal, Purpose, QueryDescription, RecordKind, normalise_identifier};
use crate::segment::{list_segments, read_segment};

/// Filters for an audit search; every filter set must match. An empty query matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Subject of the principal, or of the user a node acted for.
    pub principal_subject: Option<String>,
    /// Records at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Records before this time.
    pub to: Option<DateTime<Utc>>,
    /// Case or operation reference (exact, case-insensitive).
    pub case_reference: Option<String>,
    /// Query id (exact).
    pub query_id: Option<String>,
    /// An identifier searched for: exact match on the normalised `identifiers`, or a substring
    /// of the query text or parameter values (both normalised).
    pub identifier: Option<String>,
    /// Record kind.
    pub kind: Option<RecordKind>,
    /// Most records returned (oldest first).
    pub limit: Option<usize>,
}

impl SearchQuery {
    /// True when `record` passes every filter that is set.
    pub fn matches(&self, record: &AuditRecord) -> bool {
        self.principal_matches(record)
            && self.time_matches(record)
            && self.case_matches(record)
            && self.query_id.as_ref().is_none_or(|wanted| *wanted == record.query_id)
            && self.kind.is_none_or(|wanted| wanted == record.kind)
            && self.identifier_matches(record)
    }

    fn principal_matches(&self, record: &AuditRecord) -> bool {
        let Some(wanted) = &self.principal_subject else {
            return true;
        };
        [&record.principal, &record.acting_for].into_iter().flatten().any(|principal| principal.subject == *wanted)
    }

    fn time_matches(&self, record: &AuditRecord) -> bool {
        if self.from.is_none() && self.to.is_none() {
            return true;
        }
        let Ok(at) = DateTime::parse_from_rfc3339(&record.at) else {
            return false;
        };
        let at_utc = at.with_timezone(&Utc);
        self.from.is_none_or(|from| at_utc >= from) && self.to.is_none_or(|to| at_utc < to)
    }

    fn case_matches(&self, record: &AuditRecord) -> bool {
        let Some(wanted) = &self.case_reference else {
            return true;
        };
        record.purpose.as_ref().is_some_and(|purpose| purpose.case_reference.eq_ignore_ascii_case(wanted.trim()))
    }

    fn identifier_matches(&self, record: &AuditRecord) -> bool {
        let Some(wanted) = &self.identifier else {
            return true;
        };
        let normalised = normalise_identifier(wanted);
        if normalised.is_empty() {
            return false;
        }
        if record.identifiers.iter().any(|identifier| normalise_identifier(identifier) == normalised) {
            return true;
        }
        let Some(query) = &record.query else {
            return false;
        };
        query.text.iter().chain(query.parameters.values()).any(|text| normalise_identifier(text).contains(&normalised))
    }

    /// The query as audit parameters, for the `AuditSearch` record.
    fn as_parameters(&self) -> BTreeMap<String, String> {
        let mut parameters = BTreeMap::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                parameters.insert(name.to_owned(), value);
            }
        };
        put("principal_subject", self.principal_subject.clone());
        put("from", self.from.map(|from| from.to_rfc3339()));
        put("to", self.to.map(|to| to.to_rfc3339()));
        put("case_reference", self.case_reference.clone());
        put("query_id", self.query_id.clone());
        put("identifier", self.identifier.clone());
        put("kind", self.kind.map(|kind| format!("{kind:?}")));
        put("limit", self.limit.map(|limit| limit.to_string()));
        parameters
    }
}

/// Every readable record of the trail in `dir`, oldest first. Reading a segment stops at its
/// first torn or damaged frame (logged); run `verify` for integrity.
pub fn read_records(dir: &Path) -> Result<Vec<AuditRecord>, AuditError> {
    let mut records = Vec::new();
    for segment in list_segments(dir)? {
        let bytes = read_segment(&segment)?;
        let mut cursor = FrameCursor::new(&bytes);
        while let FrameRead::Frame { offset, body } = cursor.next_frame() {
            match serde_json::from_slice::<ChainedBody>(body) {
                Ok(parsed) => records.push(parsed.record),
                Err(error) => {
                    tracing::warn!(segment = %segment.name, offset, error = %error,
                        "unreadable audit record skipped by search; run verify");
                    break;
                }
            }
        }
    }
    Ok(records)
}

/// Records of the trail in `dir` matching `query`, oldest first. Does not check the caller's
/// role nor log the search: use [`AuditLog::search_recorded`] for that.
pub fn search(dir: &Path, query: &SearchQuery) -> Result<Vec<AuditRecord>, AuditError> {
    let limit = query.limit.unwrap_or(usize::MAX);
    Ok(read_records(dir)?.into_iter().filter(|record| query.matches(record)).take(limit).collect())
}

impl AuditLog {
    /// Logs an `AuditSearch` record (durably) for `auditor` and `purpose`, then searches this
    /// log's trail. The caller must have checked the `auditor` role first.
    pub async fn search_recorded(
        &self,
        auditor: Principal,
        purpose: Purpose,
        query: &SearchQuery,
    ) -> Result<Vec<AuditRecord>, AuditError> {
        let mut record = AuditRecord::new(RecordKind::AuditSearch, "");
        record.principal = Some(auditor);
        record.purpose = Some(purpose);
        record.query = Some(QueryDescription {
            operation: "audit_search".to_owned(),
            text: None,
            parameters: query.as_parameters(),
        });
        record.identifiers = query.identifier.iter().map(|id| normalise_identifier(id)).collect();
        let receipt = self.append(record).await?;
        let dir = self.dir().to_path_buf();
        let owned_query = query.clone();
        let found = tokio::task::spawn_blocking(move || search(&dir, &owned_query))
            .await
            .map_err(|error| AuditError::Unavailable { reason: format!("audit search task failed: {error}") })??;
        // The results are the trail as it stood before this search: drop its own record.
        Ok(found.into_iter().filter(|found_record| found_record.seq != receipt.seq).collect())
    }
}
