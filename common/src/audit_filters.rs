//! Turning the wire's audit-search filters into the audit trail's search query, the same way at
//! the hub and at every node. Times are RFC 3339; the limit defaults to [`DEFAULT_AUDIT_LIMIT`]
//! and is capped at [`MAX_AUDIT_LIMIT`].

use chrono::{DateTime, Utc};
use toex_audit::SearchQuery;
use toex_proto::v1::AuditFilters;

/// Records returned per trail when the request names no limit.
pub const DEFAULT_AUDIT_LIMIT: usize = 1_000;
/// The most records one search returns per trail.
pub const MAX_AUDIT_LIMIT: usize = 10_000;

/// The search query the filters describe, or why they are malformed (naming the field).
pub fn search_query(filters: &AuditFilters) -> Result<SearchQuery, String> {
    let text = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
    let limit = match filters.limit as usize {
        0 => DEFAULT_AUDIT_LIMIT,
        requested => requested.min(MAX_AUDIT_LIMIT),
    };
    Ok(SearchQuery {
        principal_subject: text(&filters.subject),
        from: time("filters.from", &filters.from)?,
        to: time("filters.to", &filters.to)?,
        case_reference: text(&filters.case_reference),
        query_id: text(&filters.query_id),
        identifier: text(&filters.identifier),
        kind: None,
        limit: Some(limit),
    })
}

fn time(field: &str, value: &str) -> Result<Option<DateTime<Utc>>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(value.trim())
        .map(|time| Some(time.with_timezone(&Utc)))
        .map_err(|error| format!("{field}: {value:?} is not an RFC 3339 time ({error})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_a_query_and_bad_times_name_the_field() {
        let filters = AuditFilters {
            subject: " alice ".into(),
            identifier: "+447700900021".into(),
            from: "2026-12-01T00:00:00Z".into(),
            limit: 50_000,
            ..AuditFilters::default()
        };
        let query = search_query(&filters).unwrap();
        assert_eq!(query.principal_subject.as_deref(), Some("alice"));
        assert_eq!(query.limit, Some(MAX_AUDIT_LIMIT));
        assert!(query.from.is_some() && query.to.is_none() && query.case_reference.is_none());
        let bad = AuditFilters { to: "yesterday".into(), ..AuditFilters::default() };
        assert!(search_query(&bad).unwrap_err().starts_with("filters.to"));
    }
}
