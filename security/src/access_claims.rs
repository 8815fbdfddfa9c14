//! Turns the payload of a signature-checked access token into [`VerifiedClaims`]: required claims
//! present (threat catalogue item 7), `iss` equal to the issuer that owns the signing key (item 9),
//! `aud` naming our audience and nothing else (item 8), and typed optional claims. Unknown roles
//! and clearances are dropped rather than refused, leaving a principal with no data rights
//! (item 17).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::claims::{Clearance, Role, VerifiedClaims};
use crate::validity::ValidityWindow;

/// Claims every access token must carry.
pub const REQUIRED_ACCESS_CLAIMS: [&str; 5] = ["iss", "sub", "aud", "exp", "jti"];
/// The longest `sub`, `jti`, `name` or `home_region` accepted.
pub const MAX_CLAIM_CHARS: usize = 256;
/// The most roles a token may carry.
pub const MAX_ROLES: usize = 32;

/// Why the claims of an access token were refused. Names claims, never their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    /// A required claim is absent.
    #[error("missing claim {0}")]
    Missing(&'static str),
    /// A claim has the wrong JSON type, is empty, or is too long.
    #[error("claim {0} has an invalid value")]
    Invalid(&'static str),
    /// `iss` is not the issuer that owns the signing key.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` does not name our audience.
    #[error("wrong audience")]
    WrongAudience,
    /// `aud` names our audience and others; multi-audience tokens are refused.
    #[error("token is for several audiences")]
    MultipleAudiences,
}

/// Refuses a payload missing any of [`REQUIRED_ACCESS_CLAIMS`].
pub(crate) fn check_required(payload: &Map<String, Value>) -> Result<(), ClaimError> {
    match REQUIRED_ACCESS_CLAIMS.into_iter().find(|name| !payload.contains_key(*name)) {
        Some(missing) => Err(ClaimError::Missing(missing)),
        None => Ok(()),
    }
}

/// Checks issuer and audience and builds the verified principal.
pub(crate) fn extract_claims(
    payload: &Map<String, Value>,
    expected_issuer: &str,
    expected_audience: &str,
    window: ValidityWindow,
) -> Result<VerifiedClaims, ClaimError> {
    let issuer = required_string(payload, "iss")?;
    if issuer != expected_issuer {
        return Err(ClaimError::WrongIssuer);
    }
    check_audience(payload, expected_audience)?;
    let subject = required_string(payload, "sub")?;
    let token_id = required_string(payload, "jti")?;
    let display_name = optional_string(payload, "name")?;
    let home_region = optional_string(payload, "home_region")?;
    let roles = known_roles(payload)?;
    let clearance = match optional_string(payload, "clearance")? {
        Some(text) => Clearance::from_claim(&text),
        None => Clearance::Uncleared,
    };
    let expires_at = i64::try_from(window.expires_at)
        .ok()
        .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0))
        .ok_or(ClaimError::Invalid("exp"))?;
    Ok(VerifiedClaims { subject, display_name, home_region, roles, clearance, issuer, token_id, expires_at })
}

fn check_audience(payload: &Map<String, Value>, expected: &str) -> Result<(), ClaimError> {
    match payload.get("aud") {
        Some(Value::String(audience)) if audience == expected => Ok(()),
        Some(Value::String(_)) => Err(ClaimError::WrongAudience),
        Some(Value::Array(audiences)) => {
            let ours = audiences.iter().filter(|audience| audience.as_str() == Some(expected)).count();
            if ours == 0 {
                return Err(ClaimError::WrongAudience);
            }
            if ours != audiences.len() {
                return Err(ClaimError::MultipleAudiences);
            }
            Ok(())
        }
        Some(_) => Err(ClaimError::Invalid("aud")),
        None => Err(ClaimError::Missing("aud")),
    }
}

fn required_string(payload: &Map<String, Value>, name: &'static str) -> Result<String, ClaimError> {
    optional_string(payload, name)?.ok_or(ClaimError::Missing(name))
}

fn optional_string(payload: &Map<String, Value>, name: &'static str) -> Result<Option<String>, ClaimError> {
    match payload.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if valid_text(text) => Ok(Some(text.clone())),
        Some(_) => Err(ClaimError::Invalid(name)),
    }
}

fn valid_text(text: &str) -> bool {
    !text.trim().is_empty() && text.chars().count() <= MAX_CLAIM_CHARS && !text.chars().any(char::is_control)
}

fn known_roles(payload: &Map<String, Value>) -> Result<Vec<Role>, ClaimError> {
    let names = match payload.get("roles") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(names)) if names.len() <= MAX_ROLES => names,
        Some(_) => return Err(ClaimError::Invalid("roles")),
    };
    let mut roles = Vec::with_capacity(names.len());
    let mut unknown = 0_usize;
    for name in names {
        let Value::String(text) = name else {
            return Err(ClaimError::Invalid("roles"));
        };
        match text.parse::<Role>() {
            Ok(role) if !roles.contains(&role) => roles.push(role),
            Ok(_) => {}
            Err(_) => unknown += 1,
        }
    }
    if unknown > 0 {
        tracing::debug!(unknown_roles = unknown, "ignored unknown roles in access token");
    }
    Ok(roles)
}
