//! Row and column rules for one principal, region and table under a given access level: which
//! classifications are visible, how handling code C rows are treated, and which columns are
//! masked. `RowRules::visibility` is the per-row truth that the DataFusion filters in `plan`
//! compile; hit/no-hit counting and the property tests use it directly.

pub use toex_common::markings::conditions_present;
use toex_common::markings::{Classification, HandlingCode};

use crate::decision::Access;
use crate::request::Principal;
use crate::roles::{INTEL_OFFICER, NATIONAL_ANALYST};

/// A column hidden (replaced by a typed NULL) unless the principal holds one of the roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMask {
    /// Table the column belongs to.
    pub table: &'static str,
    /// Masked column.
    pub column: &'static str,
    /// Roles that see the column unmasked.
    pub unmasked_for: &'static [&'static str],
}

/// The default column masks: intelligence report summaries only for intel officers and national
/// analysts (issue 3).
pub const DEFAULT_COLUMN_MASKS: &[ColumnMask] =
    &[ColumnMask { table: "intel_reports", column: "summary", unmasked_for: &[INTEL_OFFICER, NATIONAL_ANALYST] }];

/// Columns that identify a person, phone, vehicle, place or record, by table. Under
/// aggregates-only access they are masked (NULL) at the scan, so no `GROUP BY`, `min`, `max` or
/// filter can turn an aggregate back into records or into an identifier oracle. Tables not listed
/// (extra datasets) mask their record id. Counting rows, and grouping by markings, force,
/// category, exploitation type and dates, still work.
pub const AGGREGATE_ONLY_MASKS: &[(&str, &[&str])] = &[
    ("persons", &["record_id", "surname", "forenames", "dob", "pnc_id", "home_address_id"]),
    ("phones", &["record_id", "msisdn", "imei", "user_person_id"]),
    ("vehicles", &["record_id", "vrm", "keeper_person_id"]),
    ("addresses", &["record_id", "line1", "postcode", "latitude", "longitude"]),
    ("ocgs", &["record_id", "name", "national_ref"]),
    ("ocg_members", &["record_id", "ocg_id", "person_id"]),
    ("intel_reports", &["record_id", "summary", "person_id", "phone_id", "vehicle_id", "address_id"]),
    ("crimes", &["record_id", "crime_id"]),
];

/// The identifying columns of `table` masked under aggregates-only access.
pub fn aggregate_only_masks(table: &str) -> &'static [&'static str] {
    AGGREGATE_ONLY_MASKS.iter().find(|(name, _)| *name == table).map_or(&["record_id"], |(_, columns)| columns)
}

/// How handling code C rows are treated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HandlingCRule {
    /// C rows are released in full only when the principal's home region owns the row; elsewhere
    /// they count as hits (with the contact point and conditions) and release no content.
    OwningRegionOnly {
        /// The principal's home region.
        home_region: String,
    },
}

/// What a single row means to a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// The row's content may flow into the answer: as a record under `Records`, or as input to
    /// aggregates under `AggregatesOnly`.
    Released,
    /// The row counts as a hit (how many, contact point, conditions) but releases no content.
    HitOnly,
    /// The row does not exist for this principal: no content, no count, no hit.
    Invisible,
}

/// The marking columns of one row, as stored (strings, so bad markings can be refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowMarkings<'a> {
    /// `region`: the owning region.
    pub owning_region: &'a str,
    /// `classification`, e.g. `OFFICIAL-SENSITIVE`.
    pub classification: &'a str,
    /// `handling_code`: `P` or `C`.
    pub handling_code: &'a str,
    /// `handling_conditions`; required (not blank) for C rows.
    pub handling_conditions: Option<&'a str>,
}

/// Row and column rules for one principal, region and table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowRules {
    /// Access decided for the request (hub and node combined).
    pub access: Access,
    /// Region whose data is read; rows owned by any other region are invisible.
    pub region: String,
    /// Table the rules apply to.
    pub table: String,
    /// Highest visible classification; `None` (no clearance) hides every row.
    pub max_classification: Option<Classification>,
    /// Treatment of handling code C rows.
    pub handling_c: HandlingCRule,
    /// Columns of `table` replaced by typed NULLs.
    pub masked_columns: Vec<String>,
    /// True when the reader established, as it loaded `table`, that `region` owns every row:
    /// the row filter then leaves out its per-row ownership test, which could drop nothing.
    /// False unless set with [`RowRules::with_every_row_owned`].
    pub every_row_owned: bool,
}

impl RowRules {
    /// The rules for `principal` reading `table` of `region` with `access`, using the default
    /// column masks.
    pub fn for_request(principal: &Principal, region: &str, table: &str, access: Access) -> Self {
        Self::with_masks(principal, region, table, access, DEFAULT_COLUMN_MASKS)
    }

    /// As [`RowRules::for_request`] with an explicit list of column masks.
    pub fn with_masks(principal: &Principal, region: &str, table: &str, access: Access, masks: &[ColumnMask]) -> Self {
        let mut masked_columns: Vec<String> = masks
            .iter()
            .filter(|mask| mask.table == table)
            .filter(|mask| !mask.unmasked_for.iter().any(|role| principal.has_role(role)))
            .map(|mask| mask.column.to_owned())
            .collect();
        if access == Access::AggregatesOnly {
            for column in aggregate_only_masks(table) {
                if !masked_columns.iter().any(|masked| masked == column) {
                    masked_columns.push((*column).to_owned());
                }
            }
        }
        Self {
            access,
            region: region.to_owned(),
            table: table.to_owned(),
            max_classification: principal.clearance,
            handling_c: HandlingCRule::OwningRegionOnly { home_region: principal.home_region.clone() },
            masked_columns,
            every_row_owned: false,
        }
    }

    /// These rules for a table whose every row `region` owns (`owned`), as its reader found
    /// when it loaded the table. The rows' meaning does not change: only the filter's test.
    pub fn with_every_row_owned(mut self, owned: bool) -> Self {
        self.every_row_owned = owned;
        self
    }

    /// Classifications at or below the clearance, least sensitive first (empty without one).
    pub fn allowed_classifications(&self) -> Vec<Classification> {
        match self.max_classification {
            Some(max) => Classification::ALL.into_iter().filter(|level| *level <= max).collect(),
            None => Vec::new(),
        }
    }

    /// True when `column` is masked under these rules.
    pub fn is_masked(&self, column: &str) -> bool {
        self.masked_columns.iter().any(|masked| masked == column)
    }

    /// What one row means under these rules. Unknown markings, C rows without conditions and
    /// rows owned by another region are invisible (fail closed).
    pub fn visibility(&self, markings: &RowMarkings<'_>) -> Visibility {
        if self.access == Access::Denied || markings.owning_region != self.region {
            return Visibility::Invisible;
        }
        let Some(max) = self.max_classification else {
            return Visibility::Invisible;
        };
        let Ok(classification) = markings.classification.parse::<Classification>() else {
            return Visibility::Invisible;
        };
        if classification > max {
            return Visibility::Invisible;
        }
        let Ok(handling_code) = markings.handling_code.parse::<HandlingCode>() else {
            return Visibility::Invisible;
        };
        let releasable = match handling_code {
            HandlingCode::Permitted => true,
            HandlingCode::Conditions => {
                if !conditions_present(markings.handling_conditions) {
                    return Visibility::Invisible;
                }
                self.releases_c_rows_of(markings.owning_region)
            }
        };
        match (self.access, releasable) {
            (Access::Records | Access::AggregatesOnly, true) => Visibility::Released,
            (Access::Records | Access::HitsOnly, _) => Visibility::HitOnly,
            (Access::AggregatesOnly | Access::Denied, _) => Visibility::Invisible,
        }
    }

    /// True when C rows owned by `owning_region` are released in full: only to a principal whose
    /// home region it is (a principal without a home region gets none, whatever a row's region).
    pub fn releases_c_rows_of(&self, owning_region: &str) -> bool {
        match &self.handling_c {
            HandlingCRule::OwningRegionOnly { home_region } => !home_region.is_empty() && home_region == owning_region,
        }
    }
}

/// What one row means to `principal` reading `table` of `region` with `access`.
pub fn row_visibility(
    principal: &Principal,
    region: &str,
    table: &str,
    access: Access,
    markings: &RowMarkings<'_>,
) -> Visibility {
    RowRules::for_request(principal, region, table, access).visibility(markings)
}
