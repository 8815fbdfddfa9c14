//! Role names the shipped default policy and the column masks know about. Policies may use other
//! roles; a role nobody grants anything to grants nothing.

/// Records in every region, up to clearance.
pub const NATIONAL_ANALYST: &str = "national_analyst";
/// Records in the home region, hit/no-hit elsewhere.
pub const REGIONAL_ANALYST: &str = "regional_analyst";
/// Records in the home region, hit/no-hit elsewhere, and intelligence report summaries.
pub const INTEL_OFFICER: &str = "intel_officer";
/// Aggregates across regions, records in the home region only.
pub const DATA_ANALYST: &str = "data_analyst";
/// The audit trail only, no data.
pub const AUDITOR: &str = "auditor";
/// Service principals: only what an explicit policy grants (nothing by default).
pub const SYSTEM: &str = "system";

/// Every role the default policy names.
pub const KNOWN_ROLES: [&str; 6] = [NATIONAL_ANALYST, REGIONAL_ANALYST, INTEL_OFFICER, DATA_ANALYST, AUDITOR, SYSTEM];
