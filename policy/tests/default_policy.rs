//! The shipped default policy, role by role, home and other region, table by table, at the hub
//! and at a node, with the reasons that explain each decision and the column masks that follow.

mod support;

use support::{HOME, OTHER, principal, purpose, request};
use toex_common::cdm::tables;
use toex_common::markings::Classification;
use toex_policy::roles::{AUDITOR, DATA_ANALYST, INTEL_OFFICER, NATIONAL_ANALYST, REGIONAL_ANALYST, SYSTEM};
use toex_policy::{Access, PolicyEngine, RequestKind, RowRules, combine};

const DATA_KINDS: [RequestKind; 4] =
    [RequestKind::Sql, RequestKind::Search, RequestKind::Check, RequestKind::Aggregate];

/// What the issue says each role gets, written out case by case.
fn expected(role: &str, home: bool, kind: RequestKind) -> Access {
    match (role, home, kind) {
        (NATIONAL_ANALYST, _, _) => Access::Records,
        (REGIONAL_ANALYST | INTEL_OFFICER, true, _) => Access::Records,
        (REGIONAL_ANALYST | INTEL_OFFICER, false, _) => Access::HitsOnly,
        (DATA_ANALYST, true, _) => Access::Records,
        (DATA_ANALYST, false, RequestKind::Aggregate) => Access::AggregatesOnly,
        _ => Access::Denied,
    }
}

fn table_names() -> Vec<String> {
    let mut names: Vec<String> = tables().iter().map(|table| table.name.to_owned()).collect();
    names.push("crime_statistics".to_owned());
    names
}

#[test]
fn every_role_region_table_and_kind_gets_what_the_issue_says() {
    let hub = PolicyEngine::default_hub().expect("default hub policy loads");
    let roles = [NATIONAL_ANALYST, REGIONAL_ANALYST, INTEL_OFFICER, DATA_ANALYST, AUDITOR, SYSTEM, "superuser"];
    let mut checked = 0;
    for role in roles {
        let caller = principal(role, Some(Classification::Secret));
        for (region, home) in [(HOME, true), (OTHER, false)] {
            let node = PolicyEngine::default_node(region).expect("default node policy loads");
            for table in table_names() {
                for kind in DATA_KINDS {
                    let asked = request(&caller, region, &table, kind);
                    let hub_decision = hub.decide(&asked);
                    let node_decision = node.decide(&asked);
                    let want = expected(role, home, kind);
                    let context = format!("{role} {region} {table} {kind:?}");
                    assert_eq!(hub_decision.access, want, "hub: {context}: {:?}", hub_decision.reasons);
                    assert_eq!(node_decision.access, want, "node: {context}");
                    assert_eq!(combine(&hub_decision, &node_decision).access, want, "combined: {context}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 7 * 2 * 9 * 4);
}

#[test]
fn only_auditors_read_the_audit_trail() {
    let hub = PolicyEngine::default_hub().expect("default hub policy loads");
    for role in [NATIONAL_ANALYST, REGIONAL_ANALYST, INTEL_OFFICER, DATA_ANALYST, AUDITOR, SYSTEM] {
        let caller = principal(role, Some(Classification::Secret));
        for region in [HOME, OTHER] {
            let decision = hub.decide(&request(&caller, region, "audit", RequestKind::Audit));
            let want = if role == AUDITOR { Access::Records } else { Access::Denied };
            assert_eq!(decision.access, want, "{role} {region}: {:?}", decision.reasons);
        }
    }
}

#[test]
fn no_clearance_or_no_role_gets_nothing() {
    let hub = PolicyEngine::default_hub().expect("default hub policy loads");
    let uncleared = principal(NATIONAL_ANALYST, None);
    for kind in DATA_KINDS {
        let decision = hub.decide(&request(&uncleared, HOME, "persons", kind));
        assert_eq!(decision.access, Access::Denied);
        assert!(
            decision.reasons.iter().any(|reason| reason.contains("denied by no-clearance-no-access")),
            "{:?}",
            decision.reasons
        );
    }
    let mut roleless = principal(NATIONAL_ANALYST, Some(Classification::Secret));
    roleless.roles.clear();
    let decision = hub.decide(&request(&roleless, HOME, "persons", RequestKind::Sql));
    assert_eq!(decision.access, Access::Denied);
    assert!(decision.reasons.iter().any(|reason| reason.contains("no policy permits it")));
}

#[test]
fn missing_purpose_is_denied() {
    let hub = PolicyEngine::default_hub().expect("default hub policy loads");
    let caller = principal(NATIONAL_ANALYST, Some(Classification::Secret));
    let mut asked = request(&caller, HOME, "persons", RequestKind::Sql);
    asked.purpose.case_reference.clear();
    let decision = hub.decide(&asked);
    assert_eq!(decision.access, Access::Denied);
    assert!(decision.reasons.iter().any(|reason| reason.contains("purpose-required")));
}

#[test]
fn reasons_name_the_deciding_policies() {
    let hub = PolicyEngine::default_hub().expect("default hub policy loads");
    let national = principal(NATIONAL_ANALYST, Some(Classification::Official));
    let records = hub.decide(&request(&national, OTHER, "persons", RequestKind::Sql));
    assert_eq!(
        records.reasons,
        vec![
            "hub: ReadRecords allowed by national-analyst-records (national_analyst: records in every region, up to clearance)"
                .to_owned()
        ]
    );
    let regional = principal(REGIONAL_ANALYST, Some(Classification::Official));
    let hits = hub.decide(&request(&regional, OTHER, "phones", RequestKind::Check));
    assert_eq!(hits.access, Access::HitsOnly);
    assert_eq!(hits.reasons.len(), 2, "{:?}", hits.reasons);
    assert_eq!(hits.reasons[0], "hub: ReadRecords denied: no policy permits it");
    assert!(hits.reasons[1].starts_with("hub: ReadHits allowed by regional-elsewhere-hits"));
}

#[test]
fn intel_report_summaries_are_masked_unless_intel_officer_or_national_analyst() {
    for role in [NATIONAL_ANALYST, REGIONAL_ANALYST, INTEL_OFFICER, DATA_ANALYST] {
        let caller = principal(role, Some(Classification::Secret));
        for table in table_names() {
            let rules = RowRules::for_request(&caller, HOME, &table, Access::Records);
            let masked = table == "intel_reports" && !matches!(role, INTEL_OFFICER | NATIONAL_ANALYST);
            let want: Vec<String> = if masked { vec!["summary".to_owned()] } else { Vec::new() };
            assert_eq!(rules.masked_columns, want, "{role} {table}");
        }
    }
}

#[test]
fn explain_reports_each_region_and_table_without_data() {
    let hub = PolicyEngine::default_hub().expect("default hub policy loads");
    let caller = principal(REGIONAL_ANALYST, Some(Classification::OfficialSensitive));
    let tables = vec!["persons".to_owned(), "intel_reports".to_owned()];
    let regions = vec![HOME.to_owned(), OTHER.to_owned()];
    let explanations = hub.explain(&caller, &purpose(), RequestKind::Sql, &tables, &regions);
    let summary: Vec<(&str, &str, Access, Vec<String>)> = explanations
        .iter()
        .map(|explanation| {
            (
                explanation.region.as_str(),
                explanation.table.as_str(),
                explanation.access,
                explanation.masked_columns.clone(),
            )
        })
        .collect();
    let summary_masked = vec!["summary".to_owned()];
    assert_eq!(
        summary,
        vec![
            (HOME, "persons", Access::Records, Vec::new()),
            (HOME, "intel_reports", Access::Records, summary_masked.clone()),
            (OTHER, "persons", Access::HitsOnly, Vec::new()),
            (OTHER, "intel_reports", Access::HitsOnly, summary_masked),
        ]
    );
    for explanation in &explanations {
        assert_eq!(explanation.max_classification, Some(Classification::OfficialSensitive));
        assert!(!explanation.reasons.is_empty());
    }
    let uncleared = principal(REGIONAL_ANALYST, None);
    let denied = hub.explain(&uncleared, &purpose(), RequestKind::Sql, &tables, &regions);
    assert!(
        denied
            .iter()
            .all(|explanation| explanation.access == Access::Denied && explanation.max_classification.is_none())
    );
}
