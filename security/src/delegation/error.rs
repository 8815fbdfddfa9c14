//! Everything that can go wrong signing or verifying a delegation token. Messages name the check,
//! never token content, so they are safe to log; the node maps every verification failure to
//! `UNAUTHENTICATED`.

use crate::compact_jws::MalformedToken;
use crate::delegation::replay::ReplayError;
use crate::ed25519_keys::KeyPemError;
use crate::jws::JwsError;
use crate::purpose::PurposeError;
use crate::self_test::SelfTestError;
use crate::validity::ValidityError;

/// A delegation token could not be signed or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelegationError {
    /// The hub's private key PEM is not an Ed25519 PKCS#8 key.
    #[error("delegation signing key: {0}")]
    SigningKey(#[from] KeyPemError),
    /// The hub's public key PEM is not an Ed25519 public key.
    #[error("delegation verification key is not an Ed25519 public key")]
    VerificationKey,
    /// The node region given to the verifier is empty.
    #[error("the node region for delegation checks is empty")]
    EmptyNodeRegion,
    /// The JWT crypto provider does not work.
    #[error(transparent)]
    SelfTest(#[from] SelfTestError),
    /// Signing failed, or the claims to sign are inconsistent.
    #[error("cannot sign delegation token")]
    Signing,
    /// Too large or not a well-formed compact JWS.
    #[error("malformed delegation token: {0}")]
    Malformed(#[from] MalformedToken),
    /// Wrong `alg` or `typ`, `crit` present, or the signature does not verify (altered token).
    #[error(transparent)]
    Jws(#[from] JwsError),
    /// Expired, not yet valid, or unusable time claims.
    #[error(transparent)]
    Validity(#[from] ValidityError),
    /// The claims are missing fields, have unknown fields or wrong types.
    #[error("delegation claims are malformed")]
    InvalidClaims,
    /// `iss` is not the hub.
    #[error("delegation token not issued by the hub")]
    WrongIssuer,
    /// `exp - iat` exceeds the delegation lifetime.
    #[error("delegation token lifetime exceeds {max} seconds")]
    LifetimeTooLong {
        /// [`crate::delegation::DELEGATION_LIFETIME_SECS`].
        max: u64,
    },
    /// The token is for another node (replayed or misrouted).
    #[error("delegation token is for another node, not {expected}")]
    WrongTargetNode {
        /// This node's region.
        expected: String,
    },
    /// The token is bound to other query bytes than the ones received.
    #[error("delegation token is for a different query")]
    QueryHashMismatch,
    /// The purpose inside the token fails validation.
    #[error(transparent)]
    Purpose(#[from] PurposeError),
    /// The token was already used, or the replay cache is full.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}
