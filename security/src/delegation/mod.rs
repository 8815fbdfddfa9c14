//! Hub-to-node delegation tokens. For each fan-out the hub signs (Ed25519, `typ`
//! `toex-delegation+jwt`) who is asking, with which roles and clearance, why, for exactly which
//! query bytes, and for which node; the node verifies all of it before it plans anything, and
//! refuses tokens that are expired, altered, meant for another node, for other query bytes, or
//! already used.

mod claims;
mod error;
mod replay;
mod signer;
mod verifier;

pub use claims::{DELEGATION_ISSUER, DELEGATION_LIFETIME_SECS, DELEGATION_TOKEN_TYPE, DelegationClaims, query_hash};
pub use error::DelegationError;
pub use replay::{DELEGATION_REPLAY_CACHE_CAPACITY, ReplayCache, ReplayError};
pub use signer::DelegationSigner;
pub use verifier::{DELEGATION_LEEWAY_SECS, DelegationVerifier, MAX_DELEGATION_TOKEN_BYTES};
