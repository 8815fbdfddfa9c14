//! The node's own checks on every data request, before anything is planned: the hub's delegation
//! token (signature, expiry, target node, replay, and the hash of the exact request received),
//! then the node's own Cedar policy, narrowed by what the hub granted (dual key). Produces the
//! row and column rules each table is read under.

use std::collections::BTreeMap;
use std::path::Path;

use toex_policy::{
    Access, PolicyEngine, Principal, Purpose, Request, RequestKind, RowRules, node_label, policy_purpose,
    principal_from_delegation,
};
use toex_security::delegation::query_hash;
use toex_security::{Clock, DelegationClaims, DelegationError, DelegationVerifier, SystemClock};

use crate::error::NodeError;

/// The caller a request acts for, once its delegation token has been verified.
#[derive(Debug, Clone)]
pub struct Delegated {
    /// Who the node acts for.
    pub principal: Principal,
    /// Why.
    pub purpose: Purpose,
    /// What the hub allowed per table.
    pub hub_grants: BTreeMap<String, Access>,
    /// The verified claims, for the audit trail.
    pub claims: DelegationClaims,
}

/// What one table releases for one request, and why.
#[derive(Debug, Clone)]
pub struct TableAccess {
    /// The narrower of the hub's grant and the node's own decision.
    pub access: Access,
    /// The node policy's reasons (never record content).
    pub reasons: Vec<String>,
}

/// Delegation verification and the node's own policy.
#[derive(Debug)]
pub struct NodeGuard {
    region: String,
    verifier: DelegationVerifier,
    policy: PolicyEngine,
}

impl NodeGuard {
    /// A guard for `region` trusting the hub key in `hub_key_file`, with `policy` as the node's
    /// own policy.
    pub fn from_files(region: &str, hub_key_file: &Path, policy: PolicyEngine) -> Result<Self, NodeError> {
        let pem = std::fs::read_to_string(hub_key_file).map_err(|error| {
            NodeError::Setup(format!("cannot read hub_delegation_key_file {}: {error}", hub_key_file.display()))
        })?;
        let verifier = DelegationVerifier::new(&pem, region).map_err(|error| {
            NodeError::Setup(format!("hub_delegation_key_file {}: {error}", hub_key_file.display()))
        })?;
        Ok(Self { region: region.to_owned(), verifier, policy })
    }

    /// The node's default policy for `region`.
    pub fn default_policy(region: &str) -> Result<PolicyEngine, NodeError> {
        PolicyEngine::default_node(region).map_err(|error| NodeError::Setup(error.to_string()))
    }

    /// Loads the policy files named in configuration, labelled for `region`.
    pub fn policy_from(region: &str, files: &toex_policy::PolicyFiles) -> Result<PolicyEngine, NodeError> {
        files.engine(node_label(region)).map_err(|error| NodeError::Setup(error.to_string()))
    }

    /// Verifies the token carried by a request whose bytes (encoded with the token field empty)
    /// are `request_bytes`, and that it names `query_id`.
    pub fn verify(&self, token: &str, request_bytes: &[u8], query_id: &str) -> Result<Delegated, NodeError> {
        let claims = self
            .verifier
            .verify(token, &query_hash(request_bytes), SystemClock.now())
            .map_err(|error| refuse_delegation(&error))?;
        if claims.query_id != query_id {
            tracing::warn!(target: "toex::security", event = "delegation_refused", reason = "query id mismatch");
            return Err(NodeError::Unauthenticated);
        }
        let hub_grants =
            claims.grants.iter().map(|(table, access)| (table.clone(), Access::from_name(access))).collect();
        Ok(Delegated {
            principal: principal_from_delegation(&claims),
            purpose: policy_purpose(&claims.purpose),
            hub_grants,
            claims,
        })
    }

    /// What `table` releases to `caller` for a request of `kind`: the node's own decision,
    /// narrowed by the hub's grant (a table the hub granted nothing is denied).
    pub fn table_access(&self, caller: &Delegated, table: &str, kind: RequestKind) -> TableAccess {
        let request = Request {
            principal: caller.principal.clone(),
            purpose: caller.purpose.clone(),
            dataset: table.to_owned(),
            region: self.region.clone(),
            kind,
        };
        let decision = self.policy.decide(&request);
        let granted = caller.hub_grants.get(table).copied().unwrap_or(Access::Denied);
        TableAccess { access: decision.access.narrower(granted), reasons: decision.reasons }
    }

    /// Row and column rules for `table` under `access`.
    pub fn rules(&self, caller: &Delegated, table: &str, access: Access) -> RowRules {
        RowRules::for_request(&caller.principal, &self.region, table, access)
    }
}

/// Logs why a delegation token was refused (the reason names the check, never the token) and
/// answers with the uniform refusal.
fn refuse_delegation(error: &DelegationError) -> NodeError {
    tracing::warn!(target: "toex::security", event = "delegation_refused", reason = %error, "delegation refused");
    NodeError::Unauthenticated
}
