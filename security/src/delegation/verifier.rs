//! The node's side: verifies a delegation token against the hub's public key, this node's region,
//! the hash of the query bytes actually received, and the replay cache.

use std::sync::{Mutex, PoisonError};

use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use crate::clock::UnixSeconds;
use crate::compact_jws::decode_compact_jws;
use crate::delegation::claims::{DELEGATION_ISSUER, DELEGATION_LIFETIME_SECS, DELEGATION_TOKEN_TYPE, DelegationClaims};
use crate::delegation::error::DelegationError;
use crate::delegation::replay::{DELEGATION_REPLAY_CACHE_CAPACITY, ReplayCache};
use crate::jws::{JwsError, check_type_and_crit, header_algorithm, verify_signature};
use crate::self_test::crypto_self_test;
use crate::validity::check_validity;

/// Clock skew allowed between hub and node. Kept well below the access-token leeway because the
/// hub and nodes run NTP-synchronised in one federation.
pub const DELEGATION_LEEWAY_SECS: u64 = 5;
/// The largest delegation token accepted. Larger than an access token because it carries the
/// justification (up to 2000 characters).
pub const MAX_DELEGATION_TOKEN_BYTES: usize = 16 * 1024;
/// Length of an Ed25519 public key in bytes.
const ED25519_PUBLIC_KEY_BYTES: usize = 32;

/// Verifies delegation tokens at one node. Share it behind an `Arc`: the replay cache must be
/// one per node process.
#[derive(Debug)]
pub struct DelegationVerifier {
    hub_key: DecodingKey,
    node_region: String,
    replay_cache: Mutex<ReplayCache>,
}

impl DelegationVerifier {
    /// A verifier trusting the hub's Ed25519 public key (SubjectPublicKeyInfo PEM), for the node
    /// serving `node_region`. Runs the crypto self-test.
    pub fn new(hub_public_key_pem: &str, node_region: &str) -> Result<Self, DelegationError> {
        crypto_self_test()?;
        if node_region.trim().is_empty() {
            return Err(DelegationError::EmptyNodeRegion);
        }
        let hub_key =
            DecodingKey::from_ed_pem(hub_public_key_pem.as_bytes()).map_err(|_| DelegationError::VerificationKey)?;
        let key_length = hub_key.try_get_as_bytes().map(<[u8]>::len);
        if key_length != Ok(ED25519_PUBLIC_KEY_BYTES) {
            return Err(DelegationError::VerificationKey);
        }
        Ok(Self {
            hub_key,
            node_region: node_region.to_owned(),
            replay_cache: Mutex::new(ReplayCache::new(DELEGATION_REPLAY_CACHE_CAPACITY)),
        })
    }

    /// Replaces the replay cache with an empty one of `capacity` ids.
    pub fn with_replay_capacity(self, capacity: usize) -> Self {
        Self { replay_cache: Mutex::new(ReplayCache::new(capacity)), ..self }
    }

    /// The region this verifier accepts tokens for.
    pub fn node_region(&self) -> &str {
        &self.node_region
    }

    /// Verifies `token` as of `now` for a request whose bytes hash to `expected_query_hash`
    /// (see [`crate::delegation::query_hash`]). On success the token id is remembered, so the
    /// same token is refused next time.
    pub fn verify(
        &self,
        token: &str,
        expected_query_hash: &str,
        now: UnixSeconds,
    ) -> Result<DelegationClaims, DelegationError> {
        let jws = decode_compact_jws(token, MAX_DELEGATION_TOKEN_BYTES)?;
        if header_algorithm(&jws.header)? != Algorithm::EdDSA {
            return Err(JwsError::AlgorithmNotAllowed.into());
        }
        check_type_and_crit(&jws.header, &[DELEGATION_TOKEN_TYPE])?;
        verify_signature(jws.signing_input, jws.signature, &self.hub_key, Algorithm::EdDSA)?;
        check_validity(&jws.payload, now, DELEGATION_LEEWAY_SECS)?;
        let claims: DelegationClaims =
            serde_json::from_value(Value::Object(jws.payload)).map_err(|_| DelegationError::InvalidClaims)?;
        self.check_claims(&claims, expected_query_hash)?;
        let forget_after = claims.expires_at.saturating_add(DELEGATION_LEEWAY_SECS);
        self.replay_cache.lock().unwrap_or_else(PoisonError::into_inner).check_and_insert(
            &claims.token_id,
            forget_after,
            now,
        )?;
        Ok(claims)
    }

    fn check_claims(&self, claims: &DelegationClaims, expected_query_hash: &str) -> Result<(), DelegationError> {
        if claims.issuer != DELEGATION_ISSUER {
            return Err(DelegationError::WrongIssuer);
        }
        let lifetime = claims.expires_at.checked_sub(claims.issued_at);
        if lifetime.is_none_or(|seconds| seconds > DELEGATION_LIFETIME_SECS) {
            return Err(DelegationError::LifetimeTooLong { max: DELEGATION_LIFETIME_SECS });
        }
        if claims.target_node != self.node_region {
            return Err(DelegationError::WrongTargetNode { expected: self.node_region.clone() });
        }
        if claims.query_hash != expected_query_hash {
            return Err(DelegationError::QueryHashMismatch);
        }
        claims.purpose.validate()?;
        Ok(())
    }
}
