//! Dual key: a node applies its own policy, and the effective decision is the narrower of the
//! hub's and the node's. A node policy can narrow (forbid a table) but never widen.

mod support;

use support::{HOME, OTHER, principal, request};
use toex_common::markings::Classification;
use toex_policy::roles::{AUDITOR, DATA_ANALYST, NATIONAL_ANALYST, REGIONAL_ANALYST};
use toex_policy::{Access, Decision, PolicyEngine, PolicyText, RequestKind, combine};

fn node_with_extra(policy: &str) -> PolicyEngine {
    PolicyEngine::new(
        "node NWROCU",
        &PolicyText::default_schema(),
        &[PolicyText::default_node_policy(), PolicyText::new("nwrocu-local.cedar", policy)],
    )
    .expect("node policy validates")
}

const FORBID_INTEL_FOR_REGIONAL: &str = r#"
@id("nwrocu-no-intel-for-regional")
@description("NWROCU keeps intelligence reports from regional analysts")
forbid (principal, action, resource is Dataset)
when { resource.table == "intel_reports" && principal.roles.contains("regional_analyst") };
"#;

#[test]
fn node_forbidding_a_table_turns_hub_records_into_denied() {
    let hub = PolicyEngine::default_hub().expect("hub loads");
    let node = node_with_extra(FORBID_INTEL_FOR_REGIONAL);
    let caller = principal(REGIONAL_ANALYST, Some(Classification::Secret));
    let asked = request(&caller, HOME, "intel_reports", RequestKind::Sql);
    let hub_decision = hub.decide(&asked);
    assert_eq!(hub_decision.access, Access::Records);
    let node_decision = node.decide(&asked);
    assert_eq!(node_decision.access, Access::Denied);
    let effective = combine(&hub_decision, &node_decision);
    assert_eq!(effective.access, Access::Denied);
    assert!(
        effective
            .reasons
            .iter()
            .any(|reason| reason.contains("node NWROCU: ReadRecords denied by nwrocu-no-intel-for-regional")),
        "{:?}",
        effective.reasons
    );
    assert_eq!(combine(&node_decision, &hub_decision).access, Access::Denied);
    let other_table = request(&caller, HOME, "persons", RequestKind::Sql);
    assert_eq!(combine(&hub.decide(&other_table), &node.decide(&other_table)).access, Access::Records);
}

#[test]
fn node_narrowing_records_to_hits_keeps_hits() {
    let hub = PolicyEngine::default_hub().expect("hub loads");
    let node = node_with_extra(
        r#"@id("nwrocu-hits-only-for-national")
        forbid (principal, action == Action::"ReadRecords", resource)
        when { principal.roles.contains("national_analyst") };"#,
    );
    let caller = principal(NATIONAL_ANALYST, Some(Classification::Secret));
    let asked = request(&caller, HOME, "persons", RequestKind::Search);
    let effective = combine(&hub.decide(&asked), &node.decide(&asked));
    assert_eq!(effective.access, Access::HitsOnly, "{:?}", effective.reasons);
}

#[test]
fn node_policy_can_never_widen() {
    let hub = PolicyEngine::default_hub().expect("hub loads");
    let node = node_with_extra(
        r#"@id("nwrocu-everything-for-everyone")
        permit (principal, action, resource);"#,
    );
    let cases = [
        (AUDITOR, HOME, RequestKind::Sql),
        (REGIONAL_ANALYST, OTHER, RequestKind::Sql),
        (DATA_ANALYST, OTHER, RequestKind::Aggregate),
        (DATA_ANALYST, OTHER, RequestKind::Check),
        ("system", HOME, RequestKind::Aggregate),
    ];
    for (role, region, kind) in cases {
        let caller = principal(role, Some(Classification::Secret));
        let asked = request(&caller, region, "persons", kind);
        let hub_decision = hub.decide(&asked);
        let node_decision = node.decide(&asked);
        assert_eq!(node_decision.access, Access::Records, "the node alone would allow {role}");
        let effective = combine(&hub_decision, &node_decision);
        assert_eq!(effective.access, hub_decision.access, "{role} {region} {kind:?}");
        assert_ne!(effective.access, Access::Records, "{role} {region} {kind:?}");
    }
    let uncleared = principal(NATIONAL_ANALYST, None);
    let asked = request(&uncleared, HOME, "persons", RequestKind::Sql);
    assert_eq!(node.decide(&asked).access, Access::Denied, "the node's own forbid still applies");
}

#[test]
fn combine_with_an_unevaluated_denial_is_denied() {
    let hub = PolicyEngine::default_hub().expect("hub loads");
    let caller = principal(NATIONAL_ANALYST, Some(Classification::Secret));
    let asked = request(&caller, HOME, "persons", RequestKind::Sql);
    let refused = Decision::denied(RequestKind::Sql, "node: delegation token invalid".to_owned());
    assert_eq!(combine(&hub.decide(&asked), &refused).access, Access::Denied);
    assert_eq!(combine(&refused, &hub.decide(&asked)).access, Access::Denied);
    let other_kind = hub.decide(&request(&caller, HOME, "persons", RequestKind::Aggregate));
    assert_eq!(combine(&hub.decide(&asked), &other_kind).access, Access::Denied);
}
