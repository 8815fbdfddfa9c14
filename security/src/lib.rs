//! Identity for TOEX Federation (DESIGN §5, issue 3): verification of callers' JWT access tokens
//! against configured issuers and keys, a tower layer that turns a bearer token into
//! [`VerifiedClaims`] in the request extensions, validation of the stated purpose, the hub-to-node
//! delegation token, and dev keys and tokens for local use. Certificates, mTLS and Cedar policy
//! live in other crates.

mod access_claims;
mod bearer;
mod claims;
mod clock;
mod compact_jws;
mod config;
pub mod delegation;
pub mod dev;
mod ed25519_keys;
mod jws;
mod keys;
mod layer;
mod purpose;
mod self_test;
mod strict_json;
mod validity;
mod verifier;

pub use access_claims::{ClaimError, MAX_CLAIM_CHARS, MAX_ROLES, REQUIRED_ACCESS_CLAIMS};
pub use bearer::{BearerError, BearerInterceptor, bearer_token};
pub use claims::{Clearance, Role, UnknownRole, VerifiedClaims};
pub use clock::{Clock, FixedClock, SystemClock, UnixSeconds};
pub use compact_jws::{MalformedToken, Segment};
pub use config::{
    AuthConfig, ConfigError, DEFAULT_KEY_RELOAD_INTERVAL_SECS, DEFAULT_LEEWAY_SECS, IssuerConfig, KeySourceConfig,
    MAX_LEEWAY_SECS, MIN_KEY_RELOAD_INTERVAL_SECS,
};
pub use delegation::{DelegationClaims, DelegationError, DelegationSigner, DelegationVerifier};
pub use ed25519_keys::KeyPemError;
pub use jsonwebtoken::Algorithm;
pub use jws::JwsError;
pub use keys::{KeyError, MAX_KEY_FILE_BYTES, MAX_KEY_ID_CHARS};
pub use layer::{AuthLayer, AuthService, GRPC_HEALTH_PATH_PREFIX, UNAUTHENTICATED_MESSAGE, claims};
pub use purpose::{
    MAX_CASE_REFERENCE_CHARS, MAX_JUSTIFICATION_CHARS, MIN_CASE_REFERENCE_CHARS, MIN_JUSTIFICATION_CHARS, Purpose,
    PurposeError,
};
pub use self_test::{SelfTestError, crypto_self_test};
pub use validity::{ValidityError, ValidityWindow};
pub use verifier::{ACCESS_TOKEN_TYPES, MAX_TOKEN_BYTES, ReloadOutcome, TokenError, TokenVerifier, VerifierSetupError};
