//! The policy engine: one validated Cedar policy set (the hub's, or one node's own) and the pure
//! decision functions over it. `decide` authorizes the actions that could satisfy a request and
//! derives the access level; evaluation errors count as denials (fail closed).

use std::path::{Path, PathBuf};

use cedar_policy::{Authorizer, PolicyId, PolicySet, Schema};

use crate::decision::{Decision, Evaluation, PolicyAction, actions_for};
use crate::entities::CedarQuestion;
use crate::explain::RegionExplanation;
use crate::load::{DESCRIPTION_ANNOTATION, PolicyLoadError, PolicyText, load_validated};
use crate::memo::DecisionMemo;
use crate::request::{Principal, Purpose, Request, RequestKind};

/// Label of the hub's engine in reasons.
pub const HUB_LABEL: &str = "hub";

/// A validated Cedar policy set with the decision functions over it.
#[derive(Debug, Clone)]
pub struct PolicyEngine {
    label: String,
    schema: Schema,
    policies: PolicySet,
    authorizer: Authorizer,
    memo: DecisionMemo,
}

impl PolicyEngine {
    /// Validates the policy files against the schema (strict mode) and builds an engine whose
    /// reasons are prefixed with `label` (e.g. `hub` or `node NWROCU`).
    pub fn new(
        label: impl Into<String>,
        schema: &PolicyText,
        policies: &[PolicyText],
    ) -> Result<Self, PolicyLoadError> {
        let validated = load_validated(schema, policies)?;
        Ok(Self {
            label: label.into(),
            schema: validated.schema,
            policies: validated.policies,
            authorizer: Authorizer::new(),
            memo: DecisionMemo::default(),
        })
    }

    /// Reads the schema and policy files from disk, then behaves as [`PolicyEngine::new`].
    pub fn from_files(
        label: impl Into<String>,
        schema_path: &Path,
        policy_paths: &[PathBuf],
    ) -> Result<Self, PolicyLoadError> {
        let schema = PolicyText::read(schema_path)?;
        let policies = policy_paths.iter().map(|path| PolicyText::read(path)).collect::<Result<Vec<_>, _>>()?;
        Self::new(label, &schema, &policies)
    }

    /// The shipped default hub policy.
    pub fn default_hub() -> Result<Self, PolicyLoadError> {
        Self::new(HUB_LABEL, &PolicyText::default_schema(), &[PolicyText::default_hub_policy()])
    }

    /// The shipped default node policy for the node of `region`.
    pub fn default_node(region: &str) -> Result<Self, PolicyLoadError> {
        Self::new(node_label(region), &PolicyText::default_schema(), &[PolicyText::default_node_policy()])
    }

    /// The label prefixed to this engine's reasons.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Decides what the region releases for this request under this engine's policy alone.
    /// Pure: no I/O. Any failure to put the request to Cedar is a denial.
    pub fn decide(&self, request: &Request) -> Decision {
        self.memo.get_or_decide(request, |request| self.evaluate_request(request))
    }

    fn evaluate_request(&self, request: &Request) -> Decision {
        let question = match CedarQuestion::build(request, &self.schema) {
            Ok(question) => question,
            Err(error) => {
                tracing::warn!(engine = %self.label, %error, "request refused before policy evaluation");
                return Decision::denied(request.kind, format!("{}: denied: {error}", self.label));
            }
        };
        let evaluations = actions_for(request.kind).iter().map(|action| self.evaluate(&question, *action)).collect();
        let decision = Decision::from_evaluations(request.kind, evaluations);
        tracing::debug!(
            engine = %self.label,
            subject = %request.principal.subject,
            region = %request.region,
            dataset = %request.dataset,
            kind = request.kind.as_str(),
            access = decision.access.as_str(),
            "policy decision"
        );
        decision
    }

    /// For this caller, purpose and kind of request, what each region would release from each
    /// table under this engine's policy, and why. Touches no data.
    pub fn explain(
        &self,
        principal: &Principal,
        purpose: &Purpose,
        kind: RequestKind,
        tables: &[String],
        regions: &[String],
    ) -> Vec<RegionExplanation> {
        let mut explanations = Vec::with_capacity(tables.len() * regions.len());
        for region in regions {
            for table in tables {
                let request = Request {
                    principal: principal.clone(),
                    purpose: purpose.clone(),
                    dataset: table.clone(),
                    region: region.clone(),
                    kind,
                };
                let decision = self.decide(&request);
                explanations.push(RegionExplanation::from_decision(principal, region, table, &decision));
            }
        }
        explanations
    }

    fn evaluate(&self, question: &CedarQuestion, action: PolicyAction) -> Evaluation {
        let label = &self.label;
        let cedar_request = match question.request_for(action, &self.schema) {
            Ok(cedar_request) => cedar_request,
            Err(error) => {
                return Evaluation {
                    source: label.clone(),
                    action,
                    allowed: false,
                    reason: format!("{label}: {action} denied: {error}"),
                };
            }
        };
        let response = self.authorizer.is_authorized(&cedar_request, &self.policies, &question.entities);
        let diagnostics = response.diagnostics();
        let errors: Vec<String> = diagnostics.errors().map(|error| error.to_string()).collect();
        let mut determining: Vec<String> = diagnostics.reason().map(|policy_id| self.describe(policy_id)).collect();
        determining.sort();
        let determining_text = determining.join(", ");
        let allowed_by_cedar = response.decision() == cedar_policy::Decision::Allow;
        if !errors.is_empty() {
            tracing::warn!(engine = %label, action = action.as_str(), errors = ?errors, "cedar evaluation errors");
        }
        let (allowed, reason) = match (allowed_by_cedar, errors.is_empty(), determining.is_empty()) {
            (true, true, _) => (true, format!("{label}: {action} allowed by {determining_text}")),
            (true, false, _) => {
                (false, format!("{label}: {action} denied: policy evaluation failed ({})", errors.join("; ")))
            }
            (false, _, true) => (false, format!("{label}: {action} denied: no policy permits it")),
            (false, _, false) => (false, format!("{label}: {action} denied by {determining_text}")),
        };
        Evaluation { source: label.clone(), action, allowed, reason }
    }

    fn describe(&self, policy_id: &PolicyId) -> String {
        let description = self.policies.policy(policy_id).and_then(|policy| policy.annotation(DESCRIPTION_ANNOTATION));
        match description {
            Some(description) => format!("{policy_id} ({description})"),
            None => policy_id.to_string(),
        }
    }
}

/// The label of a node's engine, e.g. `node NWROCU`.
pub fn node_label(region: &str) -> String {
    format!("node {region}")
}

/// Where a deployment's own Cedar schema and policies live (`[policy]` in hub.toml and
/// node.toml). Absent, the shipped defaults apply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFiles {
    /// The Cedar schema; the shipped schema when absent.
    #[serde(default)]
    pub schema_file: Option<PathBuf>,
    /// One or more Cedar policy files, validated against the schema at start-up.
    pub policy_files: Vec<PathBuf>,
}

impl PolicyFiles {
    /// Resolves relative paths against `base` (the configuration file's directory).
    pub fn resolve_paths(&mut self, base: &Path) {
        if let Some(schema) = self.schema_file.as_mut().filter(|path| path.is_relative()) {
            *schema = base.join(&*schema);
        }
        for policy in self.policy_files.iter_mut().filter(|path| path.is_relative()) {
            *policy = base.join(&*policy);
        }
    }

    /// Builds the engine these files describe.
    pub fn engine(&self, label: impl Into<String>) -> Result<PolicyEngine, PolicyLoadError> {
        let schema = match &self.schema_file {
            Some(path) => PolicyText::read(path)?,
            None => PolicyText::default_schema(),
        };
        let policies = self.policy_files.iter().map(|path| PolicyText::read(path)).collect::<Result<Vec<_>, _>>()?;
        PolicyEngine::new(label, &schema, &policies)
    }
}
