//! Request-level decisions: which Cedar actions were allowed, by which policies, and the access
//! level that follows for the kind of request. Combining the hub's and the node's decisions (dual
//! key) keeps an action only when both allowed it, so a node's policy can narrow but never widen.

use std::fmt;

use crate::request::RequestKind;

/// The Cedar actions of the TOEX schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyAction {
    /// Read record content.
    ReadRecords,
    /// Learn hit or no hit, counts, contact point and handling conditions.
    ReadHits,
    /// Receive aggregates over permitted rows.
    ReadAggregates,
    /// Search the audit trail.
    ReadAudit,
}

impl PolicyAction {
    /// The action's Cedar entity id, e.g. `ReadRecords`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadRecords => "ReadRecords",
            Self::ReadHits => "ReadHits",
            Self::ReadAggregates => "ReadAggregates",
            Self::ReadAudit => "ReadAudit",
        }
    }
}

impl fmt::Display for PolicyAction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What a region releases for a request, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Nothing; the region is reported as `DENIED`.
    Denied,
    /// Hit or no hit, how many, contact point and conditions; no record content.
    HitsOnly,
    /// Aggregates computed over the permitted rows; no record content.
    AggregatesOnly,
    /// Records in full, subject to the row and column rules.
    Records,
}

impl Access {
    /// Upper-case name used in explanations and statuses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Denied => "DENIED",
            Self::HitsOnly => "HIT_ONLY",
            Self::AggregatesOnly => "AGGREGATES_ONLY",
            Self::Records => "RECORDS",
        }
    }

    /// Reads a name written by [`Access::as_str`]; anything else is `Denied` (fail closed).
    pub fn from_name(name: &str) -> Self {
        [Self::Records, Self::AggregatesOnly, Self::HitsOnly]
            .into_iter()
            .find(|access| access.as_str() == name)
            .unwrap_or(Self::Denied)
    }

    /// Dual key: what is released when two parties each allow up to their access. Hits and
    /// aggregates do not contain each other, so their combination releases nothing.
    pub fn narrower(self, other: Self) -> Self {
        match (self, other) {
            (Self::Records, narrower) | (narrower, Self::Records) => narrower,
            (same, again) if same == again => same,
            _ => Self::Denied,
        }
    }

    /// True when record content (or aggregates over it) flows from the region.
    pub fn releases_rows(self) -> bool {
        matches!(self, Self::Records | Self::AggregatesOnly)
    }
}

/// One Cedar authorization of one action by one policy engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Label of the engine that decided, e.g. `hub` or `node NWROCU`.
    pub source: String,
    /// The action authorized.
    pub action: PolicyAction,
    /// Whether Cedar allowed it (evaluation errors count as denial).
    pub allowed: bool,
    /// Human-readable line naming the determining policies.
    pub reason: String,
}

/// A request-level decision with the policies that determined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The kind of request decided.
    pub kind: RequestKind,
    /// What is released.
    pub access: Access,
    /// The Cedar policies (ids and descriptions) that determined `access`, for explain and audit.
    pub reasons: Vec<String>,
    /// Every authorization behind the decision, from every engine combined into it.
    pub evaluations: Vec<Evaluation>,
}

impl Decision {
    /// Builds a decision from the evaluations of one or more engines.
    pub fn from_evaluations(kind: RequestKind, evaluations: Vec<Evaluation>) -> Self {
        let chain = action_chain(kind);
        let mut access = Access::Denied;
        let mut reasons = Vec::new();
        for (action, granted_access) in chain {
            let relevant: Vec<&Evaluation> =
                evaluations.iter().filter(|evaluation| evaluation.action == action).collect();
            let allowed = !relevant.is_empty() && relevant.iter().all(|evaluation| evaluation.allowed);
            if allowed {
                reasons.extend(relevant.iter().map(|evaluation| evaluation.reason.clone()));
                access = granted_access;
                break;
            }
            if relevant.is_empty() {
                reasons.push(format!("{action} denied: not evaluated"));
            }
            let denials = relevant.iter().filter(|evaluation| !evaluation.allowed);
            reasons.extend(denials.map(|evaluation| evaluation.reason.clone()));
        }
        Self { kind, access, reasons, evaluations }
    }

    /// A denial that no policy evaluated, e.g. when the request could not be put to Cedar.
    pub fn denied(kind: RequestKind, reason: String) -> Self {
        Self { kind, access: Access::Denied, reasons: vec![reason], evaluations: Vec::new() }
    }

    /// True when every engine behind this decision allowed the action.
    pub fn allows(&self, action: PolicyAction) -> bool {
        let mut relevant = self.evaluations.iter().filter(|evaluation| evaluation.action == action).peekable();
        relevant.peek().is_some() && relevant.all(|evaluation| evaluation.allowed)
    }
}

/// The actions that can satisfy a kind of request, in the order tried, with the access each gives.
fn action_chain(kind: RequestKind) -> Vec<(PolicyAction, Access)> {
    match kind {
        RequestKind::Audit => vec![(PolicyAction::ReadAudit, Access::Records)],
        RequestKind::Aggregate => vec![
            (PolicyAction::ReadRecords, Access::Records),
            (PolicyAction::ReadAggregates, Access::AggregatesOnly),
            (PolicyAction::ReadHits, Access::HitsOnly),
        ],
        RequestKind::Sql | RequestKind::Search | RequestKind::Check => {
            vec![(PolicyAction::ReadRecords, Access::Records), (PolicyAction::ReadHits, Access::HitsOnly)]
        }
    }
}

/// The actions an engine evaluates for a kind of request.
pub(crate) fn actions_for(kind: RequestKind) -> &'static [PolicyAction] {
    match kind {
        RequestKind::Audit => &[PolicyAction::ReadAudit],
        RequestKind::Sql | RequestKind::Search | RequestKind::Check | RequestKind::Aggregate => {
            &[PolicyAction::ReadRecords, PolicyAction::ReadAggregates, PolicyAction::ReadHits]
        }
    }
}

/// Dual key: the effective decision of the hub's and the node's. An action counts as allowed only
/// when both allowed it, so the result is never wider than either input.
pub fn combine(hub: &Decision, node: &Decision) -> Decision {
    if hub.kind != node.kind {
        return Decision::denied(
            hub.kind,
            format!("hub decided a {} request but node decided a {} request", hub.kind.as_str(), node.kind.as_str()),
        );
    }
    let mut evaluations = hub.evaluations.clone();
    evaluations.extend(node.evaluations.iter().cloned());
    let combined = Decision::from_evaluations(hub.kind, evaluations);
    if hub.evaluations.is_empty() || node.evaluations.is_empty() {
        let mut reasons = hub.reasons.clone();
        reasons.extend(node.reasons.iter().cloned());
        return Decision { access: Access::Denied, reasons, ..combined };
    }
    combined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(source: &str, action: PolicyAction, allowed: bool) -> Evaluation {
        let verdict = if allowed { "allowed" } else { "denied" };
        Evaluation { source: source.to_owned(), action, allowed, reason: format!("{source}: {action} {verdict}") }
    }

    fn decision(source: &str, kind: RequestKind, grants: [bool; 3]) -> Decision {
        let actions = [PolicyAction::ReadRecords, PolicyAction::ReadAggregates, PolicyAction::ReadHits];
        let evaluations =
            actions.into_iter().zip(grants).map(|(action, allowed)| evaluation(source, action, allowed)).collect();
        Decision::from_evaluations(kind, evaluations)
    }

    #[test]
    fn access_follows_the_action_chain_for_each_kind() {
        let aggregates_and_hits = [false, true, true];
        assert_eq!(decision("hub", RequestKind::Aggregate, aggregates_and_hits).access, Access::AggregatesOnly);
        assert_eq!(decision("hub", RequestKind::Sql, aggregates_and_hits).access, Access::HitsOnly);
        assert_eq!(decision("hub", RequestKind::Sql, [false, true, false]).access, Access::Denied);
        assert_eq!(decision("hub", RequestKind::Check, [true, false, false]).access, Access::Records);
    }

    #[test]
    fn combine_keeps_only_actions_both_allow() {
        let hub = decision("hub", RequestKind::Aggregate, [false, true, true]);
        let node = decision("node", RequestKind::Aggregate, [true, false, true]);
        let combined = combine(&hub, &node);
        assert_eq!(combined.access, Access::HitsOnly);
        assert!(!combined.allows(PolicyAction::ReadRecords));
        assert!(!combined.allows(PolicyAction::ReadAggregates));
        assert!(combined.allows(PolicyAction::ReadHits));
        assert_eq!(
            combined.reasons,
            vec![
                "hub: ReadRecords denied".to_owned(),
                "node: ReadAggregates denied".to_owned(),
                "hub: ReadHits allowed".to_owned(),
                "node: ReadHits allowed".to_owned(),
            ]
        );
        let wider_node = decision("node", RequestKind::Aggregate, [true, true, true]);
        assert_eq!(combine(&hub, &wider_node).access, Access::AggregatesOnly);
    }

    #[test]
    fn narrower_never_widens() {
        use Access::{AggregatesOnly, Denied, HitsOnly, Records};
        let all = [Denied, HitsOnly, AggregatesOnly, Records];
        for first in all {
            assert_eq!(first.narrower(Records), first);
            assert_eq!(Records.narrower(first), first);
            assert_eq!(first.narrower(Denied), Denied);
            assert_eq!(Access::from_name(first.as_str()), first);
        }
        assert_eq!(HitsOnly.narrower(AggregatesOnly), Denied);
        assert_eq!(Access::from_name("EVERYTHING"), Denied);
    }

    #[test]
    fn audit_requests_need_read_audit() {
        let allowed =
            Decision::from_evaluations(RequestKind::Audit, vec![evaluation("hub", PolicyAction::ReadAudit, true)]);
        assert_eq!(allowed.access, Access::Records);
        let without = Decision::from_evaluations(RequestKind::Audit, Vec::new());
        assert_eq!(without.access, Access::Denied);
    }
}
