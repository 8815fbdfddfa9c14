//! The independent reference model of issue 3's policy for the property test: the role table,
//! the clearance order and the handling-code rule restated from the issue text, plus the
//! proptest strategies that generate principals and records (including bad markings).

use proptest::prelude::*;
use toex_common::markings::Classification;
use toex_policy::{Access, Principal, RequestKind, Visibility};

pub const REGIONS: [&str; 3] = ["NWROCU", "LONDON", "TARIAN"];
/// Home regions a principal may have: each region, or none (a national analyst's token).
pub const HOME_REGIONS: [&str; 4] = ["", "NWROCU", "LONDON", "TARIAN"];
pub const ROLES: [&str; 7] =
    ["national_analyst", "regional_analyst", "intel_officer", "data_analyst", "auditor", "system", "nobody"];
pub const CLASSIFICATIONS: [&str; 5] = ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET", "official"];
pub const HANDLING_CODES: [&str; 3] = ["P", "C", "X"];
pub const KINDS: [RequestKind; 4] = [RequestKind::Sql, RequestKind::Search, RequestKind::Check, RequestKind::Aggregate];
pub const TABLE: &str = "intel_reports";

#[derive(Debug, Clone)]
pub struct TestRecord {
    pub region: &'static str,
    pub classification: &'static str,
    pub handling_code: &'static str,
    pub conditions: Option<&'static str>,
}

/// Independent restatement of issue 3's role table: (records, aggregates, hits) grants.
fn model_grants(role: &str, home: bool) -> (bool, bool, bool) {
    match role {
        "national_analyst" => (true, true, true),
        "regional_analyst" | "intel_officer" => (home, home, true),
        "data_analyst" => (home, true, home),
        _ => (false, false, false),
    }
}

pub fn model_access(principal: &Principal, region: &str, kind: RequestKind) -> Access {
    if principal.clearance.is_none() {
        return Access::Denied;
    }
    let home = principal.home_region == region;
    let (records, aggregates, hits) = principal
        .roles
        .iter()
        .map(|role| model_grants(role, home))
        .fold((false, false, false), |acc, grant| (acc.0 || grant.0, acc.1 || grant.1, acc.2 || grant.2));
    if records {
        Access::Records
    } else if aggregates && kind == RequestKind::Aggregate {
        Access::AggregatesOnly
    } else if hits {
        Access::HitsOnly
    } else {
        Access::Denied
    }
}

fn model_rank(text: &str) -> Option<u8> {
    match text {
        "OFFICIAL" => Some(1),
        "OFFICIAL-SENSITIVE" => Some(2),
        "SECRET" => Some(3),
        _ => None,
    }
}

fn model_clearance_rank(clearance: Classification) -> u8 {
    match clearance {
        Classification::Official => 1,
        Classification::OfficialSensitive => 2,
        Classification::Secret => 3,
    }
}

pub fn model_visibility(principal: &Principal, region: &str, access: Access, record: &TestRecord) -> Visibility {
    let Some(clearance) = principal.clearance else {
        return Visibility::Invisible;
    };
    if access == Access::Denied || record.region != region {
        return Visibility::Invisible;
    }
    match model_rank(record.classification) {
        Some(rank) if rank <= model_clearance_rank(clearance) => {}
        _ => return Visibility::Invisible,
    }
    let full_release = match record.handling_code {
        "P" => true,
        "C" if record.conditions.is_some_and(|text| !text.trim().is_empty()) => record.region == principal.home_region,
        _ => return Visibility::Invisible,
    };
    match (access, full_release) {
        (Access::Records | Access::AggregatesOnly, true) => Visibility::Released,
        (Access::Records | Access::HitsOnly, _) => Visibility::HitOnly,
        _ => Visibility::Invisible,
    }
}

fn classification_strategy() -> impl Strategy<Value = Option<Classification>> {
    prop_oneof![
        Just(None),
        Just(Some(Classification::Official)),
        Just(Some(Classification::OfficialSensitive)),
        Just(Some(Classification::Secret)),
    ]
}

pub fn principal_strategy() -> impl Strategy<Value = Principal> {
    (
        proptest::sample::subsequence(ROLES.to_vec(), 0..=2),
        proptest::sample::select(HOME_REGIONS.to_vec()),
        classification_strategy(),
    )
        .prop_map(|(roles, home_region, clearance)| Principal {
            subject: "property-user".to_owned(),
            home_region: home_region.to_owned(),
            roles: roles.into_iter().map(str::to_owned).collect(),
            clearance,
        })
}

/// Handling conditions: missing, blank, whitespace only (ASCII and other Unicode white space),
/// and real text (also wrapped in white space).
pub const CONDITIONS: [Option<&str>; 6] = [
    None,
    Some(""),
    Some(" \t"),
    Some("\u{3000}\u{a0}\u{2028}\u{85}\u{b}"),
    Some("contact the NWROCU intelligence desk before action"),
    Some("\u{2003} refer to the owning unit\u{3000}"),
];

/// Records owned mostly by `node_region` (what a node holds), sometimes by another region.
pub fn record_strategy(node_region: &'static str) -> impl Strategy<Value = TestRecord> {
    let region = prop_oneof![3 => Just(node_region), 1 => proptest::sample::select(REGIONS.to_vec())];
    (
        region,
        proptest::sample::select(CLASSIFICATIONS.to_vec()),
        proptest::sample::select(HANDLING_CODES.to_vec()),
        proptest::sample::select(CONDITIONS.to_vec()),
    )
        .prop_map(|(region, classification, handling_code, conditions)| TestRecord {
            region,
            classification,
            handling_code,
            conditions,
        })
}

/// One record for every combination of owning region, classification, handling code and
/// conditions.
pub fn every_record() -> Vec<TestRecord> {
    let mut records = Vec::new();
    for region in REGIONS {
        for classification in CLASSIFICATIONS {
            for handling_code in HANDLING_CODES {
                for conditions in CONDITIONS {
                    records.push(TestRecord { region, classification, handling_code, conditions });
                }
            }
        }
    }
    records
}
