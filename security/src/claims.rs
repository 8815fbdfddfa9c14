//! The verified identity of a caller: roles, clearance and the facts policy needs, produced only by
//! the token verifier. Unknown or missing roles and clearance are kept out of the principal, so a
//! token without them authenticates but grants no data rights (threat catalogue item 17).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A role known to TOEX policy (DESIGN §5, issue 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Records in every region, up to clearance.
    NationalAnalyst,
    /// Records in the home region, hit/no-hit elsewhere.
    RegionalAnalyst,
    /// As a regional analyst, plus intelligence report summaries.
    IntelOfficer,
    /// Aggregates across regions, records in the home region only.
    DataAnalyst,
    /// Audit only, no data.
    Auditor,
    /// Another system calling the API with a service token.
    System,
}

impl Role {
    /// Every known role.
    pub const ALL: [Role; 6] = [
        Self::NationalAnalyst,
        Self::RegionalAnalyst,
        Self::IntelOfficer,
        Self::DataAnalyst,
        Self::Auditor,
        Self::System,
    ];

    /// The role as written in tokens and policy.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NationalAnalyst => "national_analyst",
            Self::RegionalAnalyst => "regional_analyst",
            Self::IntelOfficer => "intel_officer",
            Self::DataAnalyst => "data_analyst",
            Self::Auditor => "auditor",
            Self::System => "system",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A role name that TOEX does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|role| role.as_str() == text).ok_or(UnknownRole)
    }
}

/// The highest Government Security Classification a person may see, ordered
/// `Uncleared < OFFICIAL < OFFICIAL-SENSITIVE < SECRET`.
///
/// `Uncleared` stands for a missing or unrecognised clearance claim: it sees nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Clearance {
    /// No (recognised) clearance: no data rights at all.
    #[serde(rename = "NONE")]
    Uncleared,
    /// May see `OFFICIAL` records.
    #[serde(rename = "OFFICIAL")]
    Official,
    /// May see `OFFICIAL` and `OFFICIAL-SENSITIVE` records.
    #[serde(rename = "OFFICIAL-SENSITIVE")]
    OfficialSensitive,
    /// May see every classification.
    #[serde(rename = "SECRET")]
    Secret,
}

impl Clearance {
    /// The clearance as written in tokens (`NONE` for uncleared).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uncleared => "NONE",
            Self::Official => "OFFICIAL",
            Self::OfficialSensitive => "OFFICIAL-SENSITIVE",
            Self::Secret => "SECRET",
        }
    }

    /// Reads a clearance claim; anything other than the three markings is `Uncleared`.
    pub fn from_claim(text: &str) -> Self {
        match text {
            "OFFICIAL" => Self::Official,
            "OFFICIAL-SENSITIVE" => Self::OfficialSensitive,
            "SECRET" => Self::Secret,
            _ => Self::Uncleared,
        }
    }

    /// Whether a record marked `classification` (e.g. `"OFFICIAL-SENSITIVE"`) is within this
    /// clearance. An unknown marking is never within any clearance (fail closed).
    pub fn permits(self, classification: &str) -> bool {
        let marking = Self::from_claim(classification);
        marking != Self::Uncleared && marking <= self
    }
}

impl fmt::Display for Clearance {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The facts a verified access token establishes about its caller. Only the verifier builds one;
/// handlers read it from the request extensions with [`crate::claims`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClaims {
    /// `sub`: the stable identifier of the person or system.
    pub subject: String,
    /// `name`: a display name for audit and UI, if the issuer sent one.
    pub display_name: Option<String>,
    /// `home_region`: the caller's ROCU code, if any (systems may have none).
    pub home_region: Option<String>,
    /// Known roles from the `roles` claim; unknown role names are dropped.
    pub roles: Vec<Role>,
    /// From the `clearance` claim; missing or unknown is `Uncleared`.
    pub clearance: Clearance,
    /// `iss`: the issuer that signed the token.
    pub issuer: String,
    /// `jti`: the token identifier, for audit and replay alerts.
    pub token_id: String,
    /// `exp`: when the token stops being valid.
    pub expires_at: DateTime<Utc>,
}

impl VerifiedClaims {
    /// Whether the caller holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether this principal could have any data rights at all: at least one known role and a
    /// recognised clearance. Policy denies every data request when this is false (deny by default).
    pub fn has_data_rights(&self) -> bool {
        !self.roles.is_empty() && self.clearance != Clearance::Uncleared
    }
}
