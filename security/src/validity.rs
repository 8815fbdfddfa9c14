//! The validity window of a token, checked against an explicit `now` so boundaries are exact:
//! `exp` is required, `nbf` and `iat` are optional, and every time claim must be a JSON
//! non-negative integer (a string such as `"never"` is refused: CVE-2026-25537, threat catalogue
//! item 6).
//!
//! With leeway `L`, a token is expired once `now >= exp + L` (so `exp = now - L + 1` is the last
//! accepted value), and not yet valid while `nbf > now + L`.

use serde_json::{Map, Value};

use crate::clock::UnixSeconds;

/// Why a token is outside its validity window, or its time claims are unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValidityError {
    /// `exp` is absent.
    #[error("missing claim exp")]
    MissingExpiry,
    /// A time claim is present but not a non-negative integer.
    #[error("claim {0} is not an integer NumericDate")]
    NotNumericDate(&'static str),
    /// Past `exp` plus leeway.
    #[error("token expired")]
    Expired,
    /// Before `nbf` minus leeway.
    #[error("token not yet valid")]
    NotYetValid,
    /// `iat` is later than `now` plus leeway.
    #[error("token issued in the future")]
    IssuedInFuture,
}

/// The time claims of a token that passed [`check_validity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityWindow {
    /// `exp`.
    pub expires_at: UnixSeconds,
    /// `nbf`, if present.
    pub not_before: Option<UnixSeconds>,
    /// `iat`, if present.
    pub issued_at: Option<UnixSeconds>,
}

/// Checks `exp`, `nbf` and `iat` in `claims` against `now` with `leeway` seconds of skew.
pub fn check_validity(
    claims: &Map<String, Value>,
    now: UnixSeconds,
    leeway: u64,
) -> Result<ValidityWindow, ValidityError> {
    let expires_at = numeric_date(claims, "exp")?.ok_or(ValidityError::MissingExpiry)?;
    let not_before = numeric_date(claims, "nbf")?;
    let issued_at = numeric_date(claims, "iat")?;
    if now >= expires_at.saturating_add(leeway) {
        return Err(ValidityError::Expired);
    }
    let latest_acceptable_start = now.saturating_add(leeway);
    if not_before.is_some_and(|start| start > latest_acceptable_start) {
        return Err(ValidityError::NotYetValid);
    }
    if issued_at.is_some_and(|issued| issued > latest_acceptable_start) {
        return Err(ValidityError::IssuedInFuture);
    }
    Ok(ValidityWindow { expires_at, not_before, issued_at })
}

fn numeric_date(claims: &Map<String, Value>, name: &'static str) -> Result<Option<UnixSeconds>, ValidityError> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or(ValidityError::NotNumericDate(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: UnixSeconds = 1_800_000_000;
    const LEEWAY: u64 = 30;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn expiry_boundary_is_exact() {
        let last_accepted = claims(json!({"exp": NOW - LEEWAY + 1}));
        let first_rejected = claims(json!({"exp": NOW - LEEWAY}));
        assert_eq!(check_validity(&last_accepted, NOW, LEEWAY).map(|window| window.expires_at), Ok(NOW - LEEWAY + 1));
        assert_eq!(check_validity(&first_rejected, NOW, LEEWAY), Err(ValidityError::Expired));
    }

    #[test]
    fn not_before_boundary_is_exact() {
        let last_accepted = claims(json!({"exp": NOW + 300, "nbf": NOW + LEEWAY}));
        let first_rejected = claims(json!({"exp": NOW + 300, "nbf": NOW + LEEWAY + 1}));
        assert!(check_validity(&last_accepted, NOW, LEEWAY).is_ok());
        assert_eq!(check_validity(&first_rejected, NOW, LEEWAY), Err(ValidityError::NotYetValid));
    }

    #[test]
    fn time_claims_must_be_integers() {
        let float_expiry = claims(json!({"exp": 1.8e9}));
        let negative = claims(json!({"exp": NOW + 60, "iat": -1}));
        assert_eq!(check_validity(&float_expiry, NOW, LEEWAY), Err(ValidityError::NotNumericDate("exp")));
        assert_eq!(check_validity(&negative, NOW, LEEWAY), Err(ValidityError::NotNumericDate("iat")));
    }

    #[test]
    fn iat_in_the_future_is_refused() {
        let future = claims(json!({"exp": NOW + 300, "iat": NOW + LEEWAY + 1}));
        assert_eq!(check_validity(&future, NOW, LEEWAY), Err(ValidityError::IssuedInFuture));
    }
}
