//! What a delegation token asserts, and how the hub builds it for one query to one node.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::claims::{Clearance, Role, VerifiedClaims};
use crate::clock::UnixSeconds;
use crate::purpose::Purpose;

/// The `iss` of every delegation token.
pub const DELEGATION_ISSUER: &str = "toex-hub";
/// The `typ` header of every delegation token.
pub const DELEGATION_TOKEN_TYPE: &str = "toex-delegation+jwt";
/// How long a delegation token lives: long enough for one fan-out call, short enough that a
/// captured token is soon useless.
pub const DELEGATION_LIFETIME_SECS: u64 = 60;

/// The claims of a delegation token, bound to one user, one purpose, one query and one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegationClaims {
    /// Always [`DELEGATION_ISSUER`].
    #[serde(rename = "iss")]
    pub issuer: String,
    /// The user's subject from their access token.
    #[serde(rename = "sub")]
    pub subject: String,
    /// The target node's region code; a node refuses tokens for any other.
    #[serde(rename = "aud")]
    pub target_node: String,
    /// The user's known roles.
    pub roles: Vec<Role>,
    /// The user's clearance.
    pub clearance: Clearance,
    /// The user's home region, if any.
    pub home_region: Option<String>,
    /// The stated purpose.
    pub purpose: Purpose,
    /// [`query_hash`] of the exact request bytes the node receives.
    pub query_hash: String,
    /// The hub's id for this query, shared by every node's token for it.
    pub query_id: String,
    /// What the hub's policy allows the node to release, by table (`RECORDS`,
    /// `AGGREGATES_ONLY`, `HIT_ONLY`). The node releases at most this; a table absent here is
    /// denied (fail closed).
    pub grants: BTreeMap<String, String>,
    /// Issued at.
    #[serde(rename = "iat")]
    pub issued_at: UnixSeconds,
    /// Not valid before.
    #[serde(rename = "nbf")]
    pub not_before: UnixSeconds,
    /// Expires at.
    #[serde(rename = "exp")]
    pub expires_at: UnixSeconds,
    /// Unique per token; a node accepts each once.
    #[serde(rename = "jti")]
    pub token_id: String,
}

/// SHA-256 of `query_bytes` as lower-case hex: the value bound into a delegation token.
pub fn query_hash(query_bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(query_bytes))
}

impl DelegationClaims {
    /// Claims for sending `query_bytes` to `target_node` on behalf of `principal`, valid from
    /// `now` for [`DELEGATION_LIFETIME_SECS`], with a fresh random `jti`.
    pub fn for_query(
        principal: &VerifiedClaims,
        purpose: &Purpose,
        query_bytes: &[u8],
        target_node: &str,
        query_id: &str,
        now: UnixSeconds,
    ) -> Self {
        Self {
            issuer: DELEGATION_ISSUER.to_owned(),
            subject: principal.subject.clone(),
            target_node: target_node.to_owned(),
            roles: principal.roles.clone(),
            clearance: principal.clearance,
            home_region: principal.home_region.clone(),
            purpose: purpose.clone(),
            query_hash: query_hash(query_bytes),
            query_id: query_id.to_owned(),
            grants: BTreeMap::new(),
            issued_at: now,
            not_before: now,
            expires_at: now.saturating_add(DELEGATION_LIFETIME_SECS),
            token_id: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// The same claims with the hub's grant for `table`.
    pub fn with_grant(mut self, table: &str, access: &str) -> Self {
        self.grants.insert(table.to_owned(), access.to_owned());
        self
    }
}
