//! The audit record model shared by hub and node: one record per consultation, disclosure,
//! refusal or failure, holding ids and parameters only, never record content (DPA 2018 s.62).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a record documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordKind {
    /// A query was received and is about to be executed (written before fan-out, INV-2).
    Consultation,
    /// Results were released to the caller (written before each chunk is sent, INV-2).
    Disclosure,
    /// The request was refused by policy; nothing was released.
    Denied,
    /// The request failed (error, timeout, audit trouble); see the region outcomes.
    Failed,
    /// An auditor searched the audit trail (s.62(4): reading the log is itself logged).
    AuditSearch,
    /// The query finished; carries the completion status.
    Completion,
    /// Written by the log itself when it resumes after a crash or an I/O failure: it chains
    /// past any torn bytes, which are kept for investigation.
    TrailResumed,
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Principal {
    /// Stable subject identifier (token `sub`, or a certificate name for services).
    pub subject: String,
    /// Human-readable name.
    #[serde(default)]
    pub display_name: String,
    /// Roles held when acting.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Highest classification the principal may see (e.g. `OFFICIAL-SENSITIVE`).
    #[serde(default)]
    pub clearance: String,
    /// Home region code (e.g. `NWROCU`).
    #[serde(default)]
    pub home_region: String,
}

/// Why the principal acted. No purpose, no query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Purpose {
    /// Free-text justification.
    pub justification: String,
    /// Case or operation reference.
    pub case_reference: String,
}

/// What was asked: an operation with its text (SQL) and/or parameters. Never results.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QueryDescription {
    /// Operation name, e.g. `entity_search.phone`, `hit_no_hit`, `sql`.
    pub operation: String,
    /// Query text, e.g. the SQL statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Named parameters, e.g. `msisdn = +447700900123`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
}

/// The access decision taken for one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    /// Records may be released.
    Allow,
    /// Only hit/no-hit may be released.
    HitOnly,
    /// Nothing may be released.
    Deny,
}

/// What happened in one region (the per-region status of DESIGN §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegionStatus {
    /// Answered in full.
    Ok,
    /// Answered hit/no-hit only.
    HitOnly,
    /// Refused by policy.
    Denied,
    /// Did not answer within its deadline.
    Timeout,
    /// Could not be reached, or its audit was down.
    Unavailable,
    /// Failed with an error.
    Error,
}

/// Decision, outcome and release for one region. `rows_released` counts the rows this record
/// covers (a chunked disclosure writes one record per chunk): at a node, rows sent to the hub; at
/// the hub, rows from this region released to the caller. `rows_received` (hub only) counts the
/// rows the hub received from the region's node; reconciliation compares it with the node's
/// `rows_released`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionOutcome {
    /// Region code.
    pub region: String,
    /// Access decision, once taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Outcome, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RegionStatus>,
    /// Rows released by this record.
    #[serde(default)]
    pub rows_released: u64,
    /// Hub side: rows received from the region's node.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_received: u64,
    /// Ids of the records released (`record_id` only, never content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_ids: Vec<String>,
}

impl RegionOutcome {
    /// An outcome for `region` with nothing decided or released yet.
    pub fn new(region: impl Into<String>) -> Self {
        Self {
            region: region.into(),
            decision: None,
            status: None,
            rows_released: 0,
            rows_received: 0,
            record_ids: Vec::new(),
        }
    }
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// Whether the whole answer was complete (DESIGN §4: no silent partials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompletionStatus {
    /// Still running (e.g. the consultation record written before fan-out).
    InProgress,
    /// Every in-scope region contributed.
    Complete,
    /// At least one in-scope region did not contribute.
    Partial,
    /// The request failed as a whole.
    Failed,
}

/// The node that wrote a record (node side only).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NodeIdentity {
    /// Node identifier (certificate name).
    pub node_id: String,
    /// Region the node serves.
    pub region: String,
}

/// One audit record. `seq` and `at` are assigned by the log on append: whatever the caller put
/// there is overwritten. `seq` is the order (monotonic, never from the clock); `at` is an
/// annotation only, so a clock step changes nothing in the chain (threat 102).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Sequence number, assigned by the log, starting at 1.
    #[serde(default)]
    pub seq: u64,
    /// Wall-clock time of the append, RFC 3339, assigned by the log.
    #[serde(default)]
    pub at: String,
    /// What this record documents.
    pub kind: RecordKind,
    /// Query id shared by the hub and every node for one request.
    pub query_id: String,
    /// Who consulted. Hub: the authenticated user. Node: the calling peer (the hub identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// Node side: the user named in the hub's delegation token, on whose behalf the node acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acting_for: Option<Principal>,
    /// Justification and case reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// The query text or parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<QueryDescription>,
    /// Identifiers searched for, normalised (E.164 phone, VRM, postcode, name), for audit search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<String>,
    /// Regions the query was sent to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions_asked: Vec<String>,
    /// Per-region decision, outcome and release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub region_outcomes: Vec<RegionOutcome>,
    /// Safeguarding flags raised by the result (e.g. `VULNERABLE_PERSON`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub safeguarding_flags: Vec<String>,
    /// Completion status, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<CompletionStatus>,
    /// The node that wrote the record (node side only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeIdentity>,
    /// Free-text note (reason for a denial or failure; details of a trail resumption).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl AuditRecord {
    /// A record of `kind` for `query_id` with every optional part empty.
    pub fn new(kind: RecordKind, query_id: impl Into<String>) -> Self {
        Self {
            seq: 0,
            at: String::new(),
            kind,
            query_id: query_id.into(),
            principal: None,
            acting_for: None,
            purpose: None,
            query: None,
            identifiers: Vec::new(),
            regions_asked: Vec::new(),
            region_outcomes: Vec::new(),
            safeguarding_flags: Vec::new(),
            completion: None,
            node: None,
            note: None,
        }
    }

    /// The principal a reconciliation compares: on the node side the user it acted for,
    /// otherwise the principal.
    pub fn effective_principal(&self) -> Option<&Principal> {
        self.acting_for.as_ref().or(self.principal.as_ref())
    }
}

/// Normalises an identifier for storage and exact search: trims, drops spaces, upper-cases.
/// Format-specific normalisation (UK phone to E.164) is the caller's job before this.
pub fn normalise_identifier(identifier: &str) -> String {
    identifier.chars().filter(|character| !character.is_whitespace()).flat_map(char::to_uppercase).collect()
}
