//! Checks shared by every signed token TOEX accepts (access tokens and delegation tokens): the
//! `alg` header (never `none`, never chosen by the token), the `typ` header, no `crit` extensions,
//! and the signature itself. Headers such as `jku`, `x5u`, `jwk` and `x5c` are never read, so a
//! token cannot point the verifier at a key of its choosing (threat catalogue item 12).

use std::str::FromStr;

use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

/// Why a token's header or signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    /// `alg` is `none` (any casing): an unsigned token.
    #[error("unsigned token (alg none)")]
    AlgorithmNone,
    /// `alg` is missing, unknown, or not the algorithm pinned for the key.
    #[error("algorithm not allowed for this key")]
    AlgorithmNotAllowed,
    /// `typ` is missing or not the type this verifier accepts.
    #[error("wrong token type")]
    WrongTokenType,
    /// The header has a `crit` parameter; no extensions are understood, so it must be refused.
    #[error("critical header extensions are not supported")]
    CriticalHeader,
    /// The signature does not verify with the key.
    #[error("signature does not verify")]
    BadSignature,
}

/// Reads the `alg` header, refusing `none` and anything that is not a known algorithm name.
pub(crate) fn header_algorithm(header: &Map<String, Value>) -> Result<Algorithm, JwsError> {
    let Some(Value::String(name)) = header.get("alg") else {
        return Err(JwsError::AlgorithmNotAllowed);
    };
    if name.eq_ignore_ascii_case("none") {
        return Err(JwsError::AlgorithmNone);
    }
    Algorithm::from_str(name).map_err(|_| JwsError::AlgorithmNotAllowed)
}

/// Requires `typ` to be one of `accepted` (compared ignoring ASCII case, as media types are) and
/// refuses any `crit` header.
pub(crate) fn check_type_and_crit(header: &Map<String, Value>, accepted: &[&str]) -> Result<(), JwsError> {
    if header.contains_key("crit") {
        return Err(JwsError::CriticalHeader);
    }
    let Some(Value::String(token_type)) = header.get("typ") else {
        return Err(JwsError::WrongTokenType);
    };
    if accepted.iter().any(|candidate| candidate.eq_ignore_ascii_case(token_type)) {
        return Ok(());
    }
    Err(JwsError::WrongTokenType)
}

/// Verifies `signature` over `signing_input` with `key` and the pinned `algorithm`.
pub(crate) fn verify_signature(
    signing_input: &str,
    signature: &str,
    key: &DecodingKey,
    algorithm: Algorithm,
) -> Result<(), JwsError> {
    if key.family() != algorithm.family() {
        return Err(JwsError::AlgorithmNotAllowed);
    }
    match jsonwebtoken::crypto::verify(signature, signing_input.as_bytes(), key, algorithm) {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(JwsError::BadSignature),
    }
}

/// Reads an optional string header such as `kid`; a non-string value counts as absent.
pub(crate) fn header_string<'header>(header: &'header Map<String, Value>, name: &str) -> Option<&'header str> {
    match header.get(name) {
        Some(Value::String(text)) => Some(text.as_str()),
        _ => None,
    }
}
