//! Property test: for random principals and random records, the engine's decision, its per-row
//! `row_visibility`, and the DataFusion row filter, hit filter and restricted plan evaluated on an
//! in-memory table all agree exactly with a tiny reference model written independently
//! (`model.rs`); an aggregate over the restricted table counts exactly the rows the model says
//! are released, and masked columns come back NULL. Over rows all owned by the node's region, the
//! filters without the per-row ownership test keep exactly what they keep with it.

mod model;
mod table;

use std::collections::BTreeSet;

use model::{
    HOME_REGIONS, KINDS, REGIONS, ROLES, TABLE, TestRecord, every_record, model_access, model_visibility,
    principal_strategy, record_strategy,
};
use proptest::prelude::*;
use table::{SUMMARY, observe};
use toex_common::markings::Classification;
use toex_policy::{
    Access, PolicyEngine, Principal, Purpose, Request, RequestKind, RowMarkings, RowRules, Visibility, combine,
    row_filter, row_visibility,
};

fn check_case(
    hub: &PolicyEngine,
    principal: &Principal,
    region: &'static str,
    kind: RequestKind,
    records: &[TestRecord],
) -> Result<(), TestCaseError> {
    let request = Request {
        principal: principal.clone(),
        purpose: Purpose {
            justification: "property test of row rules".to_owned(),
            case_reference: "OP-PROP".to_owned(),
        },
        dataset: TABLE.to_owned(),
        region: region.to_owned(),
        kind,
    };
    let node = PolicyEngine::default_node(region).map_err(|error| TestCaseError::fail(error.to_string()))?;
    let access = combine(&hub.decide(&request), &node.decide(&request)).access;
    prop_assert_eq!(access, model_access(principal, region, kind));

    let rules = RowRules::for_request(principal, region, TABLE, access);
    let mut want_released = BTreeSet::new();
    let mut want_hits = BTreeSet::new();
    for (index, record) in records.iter().enumerate() {
        let markings = RowMarkings {
            owning_region: record.region,
            classification: record.classification,
            handling_code: record.handling_code,
            handling_conditions: record.conditions,
        };
        let want = model_visibility(principal, region, access, record);
        prop_assert_eq!(row_visibility(principal, region, TABLE, access, &markings), want, "record {:?}", record);
        let id = format!("r{index}");
        if want == Visibility::Released {
            want_released.insert(id.clone());
        }
        if want != Visibility::Invisible {
            want_hits.insert(id);
        }
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| TestCaseError::fail(error.to_string()))?;
    let observed = runtime.block_on(observe(records, &rules));
    prop_assert_eq!(&observed.released, &want_released);
    prop_assert_eq!(&observed.hits, &want_hits);
    let summaries_visible = principal.roles.iter().any(|role| role == "intel_officer" || role == "national_analyst");
    // Under aggregates-only access identifying columns (the record id, the summary) are masked.
    let aggregates_only = access == toex_policy::Access::AggregatesOnly;
    let want_restricted: Vec<(String, Option<String>)> = want_released
        .iter()
        .map(|id| match aggregates_only {
            true => (String::new(), None),
            false => (id.clone(), summaries_visible.then(|| SUMMARY.to_owned())),
        })
        .collect();
    let mut restricted = observed.restricted.clone();
    restricted.sort();
    prop_assert_eq!(restricted, want_restricted);
    prop_assert_eq!(observed.count, i64::try_from(want_released.len()).unwrap_or(i64::MAX));

    // Where the reader found every row its own, the filters leave out the ownership test and
    // must keep exactly what they keep with it.
    let own: Vec<TestRecord> = records.iter().filter(|record| record.region == region).cloned().collect();
    let tested = runtime.block_on(observe(&own, &rules));
    let trusted = runtime.block_on(observe(&own, &rules.clone().with_every_row_owned(true)));
    prop_assert_eq!(trusted, tested);
    Ok(())
}

/// The names of the columns `rules`' row filter reads.
fn filter_columns(rules: &RowRules) -> BTreeSet<String> {
    row_filter(rules).column_refs().iter().map(|column| column.name.clone()).collect()
}

#[test]
fn the_ownership_test_is_left_out_only_where_every_row_is_owned() {
    let principal = Principal {
        subject: "ownership-user".to_owned(),
        home_region: "LONDON".to_owned(),
        roles: vec!["national_analyst".to_owned()],
        clearance: Some(Classification::Secret),
    };
    let rules = RowRules::for_request(&principal, "NWROCU", TABLE, Access::Records);
    assert!(!rules.every_row_owned, "rules test ownership unless told otherwise");
    assert!(filter_columns(&rules).contains("region"));
    let owned = rules.with_every_row_owned(true);
    assert_eq!(filter_columns(&owned), BTreeSet::from(["marking_code".to_owned()]));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn visibility_filters_and_counts_match_the_reference_model(
        principal in principal_strategy(),
        (region, kind, records) in proptest::sample::select(REGIONS.to_vec()).prop_flat_map(|region| (
            Just(region),
            proptest::sample::select(KINDS.to_vec()),
            proptest::collection::vec(record_strategy(region), 0..14),
        )),
    ) {
        let hub = PolicyEngine::default_hub().map_err(|error| TestCaseError::fail(error.to_string()))?;
        check_case(&hub, &principal, region, kind, &records)?;
    }
}

/// Every single role (and none), home region, node region, kind and clearance against one table
/// holding every combination of markings: the property test's cases, exhaustively.
#[test]
fn every_combination_matches_the_reference_model() {
    let hub = PolicyEngine::default_hub().expect("hub loads");
    let records = every_record();
    let mut role_sets: Vec<Vec<String>> = ROLES.iter().map(|role| vec![(*role).to_owned()]).collect();
    role_sets.push(Vec::new());
    let clearances =
        [None, Some(Classification::Official), Some(Classification::OfficialSensitive), Some(Classification::Secret)];
    let mut checked = 0;
    for roles in &role_sets {
        for home_region in HOME_REGIONS {
            for clearance in clearances {
                let principal = Principal {
                    subject: "exhaustive-user".to_owned(),
                    home_region: home_region.to_owned(),
                    roles: roles.clone(),
                    clearance,
                };
                for region in REGIONS {
                    for kind in KINDS {
                        if let Err(failure) = check_case(&hub, &principal, region, kind, &records) {
                            panic!("{roles:?} home {home_region} {clearance:?} at {region} {kind:?}: {failure}");
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 8 * 4 * 4 * 3 * 4);
}
