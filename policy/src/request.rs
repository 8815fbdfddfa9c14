//! The plain inputs to every policy decision: who is asking (a principal whose token has already
//! been verified elsewhere), why (the stated purpose), and what (a dataset in a region, and the
//! kind of request). Nothing here parses tokens or touches data.

use toex_common::markings::Classification;

/// An authenticated caller, as the verified token (or the hub's delegation token) describes them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    /// Stable subject identifier from the token.
    pub subject: String,
    /// Region code of the caller's own unit, e.g. `NWROCU`.
    pub home_region: String,
    /// Role names; unknown names grant nothing.
    pub roles: Vec<String>,
    /// Highest classification the caller may see; `None` when the claim is missing (sees nothing).
    pub clearance: Option<Classification>,
}

impl Principal {
    /// True when the caller holds the named role.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }
}

/// Why the caller is asking: a free-text justification and a case or operation reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Purpose {
    /// Free-text justification.
    pub justification: String,
    /// Case or operation reference.
    pub case_reference: String,
}

/// What kind of request this is; it selects which Cedar actions can satisfy it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// Analytical SQL returning rows.
    Sql,
    /// Entity search returning records.
    Search,
    /// Hit/no-hit check: never record content.
    Check,
    /// Analytical SQL whose every output is an aggregate.
    Aggregate,
    /// Audit-trail search; the dataset is ignored.
    Audit,
}

impl RequestKind {
    /// The name passed to Cedar as `context.request_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sql => "sql",
            Self::Search => "search",
            Self::Check => "check",
            Self::Aggregate => "aggregate",
            Self::Audit => "audit",
        }
    }
}

/// One request-level question: may this principal, for this purpose, do this kind of request on
/// this dataset of this region?
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    /// Who is asking.
    pub principal: Principal,
    /// Why.
    pub purpose: Purpose,
    /// Table name (CDM table or extra dataset).
    pub dataset: String,
    /// Region whose data is asked for.
    pub region: String,
    /// Kind of request.
    pub kind: RequestKind,
}

/// The Cedar `clearance` level of a classification: 1 OFFICIAL, 2 OFFICIAL-SENSITIVE, 3 SECRET.
pub fn clearance_level(classification: Classification) -> i64 {
    match classification {
        Classification::Official => 1,
        Classification::OfficialSensitive => 2,
        Classification::Secret => 3,
    }
}
