//! Verifies callers' bearer access tokens (RFC 9068 `at+jwt`) against the configured issuers and
//! keys, with an explicit `now`. Order of checks: size and shape, `alg`, `typ`, `kid`, key and
//! pinned algorithm, signature, required claims, validity window, issuer, audience. Keys are
//! local files only; an unknown `kid` triggers at most one reload per configured interval
//! (threat catalogue items 11 and 13).

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use crate::access_claims::{ClaimError, check_required, extract_claims};
use crate::claims::VerifiedClaims;
use crate::clock::UnixSeconds;
use crate::compact_jws::{MalformedToken, decode_compact_jws};
use crate::config::{AuthConfig, ConfigError};
use crate::jws::{JwsError, check_type_and_crit, header_algorithm, header_string, verify_signature};
use crate::keys::{KeyError, KeyRing, load_key_ring};
use crate::self_test::{SelfTestError, crypto_self_test};
use crate::validity::{ValidityError, check_validity};

/// The largest access token accepted, checked before any decoding (threat catalogue item 14).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The `typ` values an access token may carry (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYPES: [&str; 2] = ["at+jwt", "application/at+jwt"];

/// Why an access token was refused. The `Display` text names the check, never token content,
/// so it is safe to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Too large, wrong number of segments, bad base64, not UTF-8, not a JSON object, or
    /// duplicate keys.
    #[error("malformed token: {0}")]
    Malformed(#[from] MalformedToken),
    /// A header or signature check failed.
    #[error(transparent)]
    Jws(#[from] JwsError),
    /// No `kid` header.
    #[error("token has no key id")]
    MissingKeyId,
    /// The `kid` names no trusted key, even after a permitted reload.
    #[error("unknown key id")]
    UnknownKeyId,
    /// Outside the validity window, or unusable time claims.
    #[error(transparent)]
    Validity(#[from] ValidityError),
    /// A required claim is missing, or issuer or audience is wrong.
    #[error(transparent)]
    Claims(#[from] ClaimError),
}

/// Why a verifier could not be built or its keys reloaded.
#[derive(Debug, thiserror::Error)]
pub enum VerifierSetupError {
    /// The configuration is unsafe or incomplete.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A key file could not be loaded.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// The JWT crypto provider does not work.
    #[error(transparent)]
    SelfTest(#[from] SelfTestError),
}

/// What [`TokenVerifier::reload`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// The key files were read again; this many keys are now trusted.
    Reloaded {
        /// Trusted keys after the reload.
        keys: usize,
    },
    /// The last reload was too recent; nothing was read.
    TooSoon,
}

#[derive(Debug, Default)]
struct ReloadState {
    last_reload: Option<UnixSeconds>,
    reload_count: u64,
}

/// Verifies access tokens. Cheap to share behind an `Arc`; safe to use from many tasks.
#[derive(Debug)]
pub struct TokenVerifier {
    config: AuthConfig,
    keys: RwLock<Arc<KeyRing>>,
    reload_state: Mutex<ReloadState>,
}

impl TokenVerifier {
    /// Validates `config`, runs the crypto self-test and loads every key. Refuses to build from
    /// an insecure config (no issuer, empty audience, no keys, leeway over 30 s).
    pub fn from_config(config: &AuthConfig) -> Result<Self, VerifierSetupError> {
        config.validate()?;
        crypto_self_test()?;
        let ring = load_key_ring(config)?;
        tracing::info!(issuers = config.issuers.len(), keys = ring.len(), "access-token verifier ready");
        Ok(Self {
            config: config.clone(),
            keys: RwLock::new(Arc::new(ring)),
            reload_state: Mutex::new(ReloadState::default()),
        })
    }

    /// Verifies `token` as of `now` and returns the caller's claims.
    pub fn verify(&self, token: &str, now: UnixSeconds) -> Result<VerifiedClaims, TokenError> {
        let jws = decode_compact_jws(token, MAX_TOKEN_BYTES)?;
        let algorithm = header_algorithm(&jws.header)?;
        check_type_and_crit(&jws.header, &ACCESS_TOKEN_TYPES)?;
        let kid = header_string(&jws.header, "kid").ok_or(TokenError::MissingKeyId)?;
        let key = self.find_key(kid, now)?;
        if key.algorithm != algorithm {
            return Err(JwsError::AlgorithmNotAllowed.into());
        }
        verify_signature(jws.signing_input, jws.signature, &key.key, algorithm)?;
        check_required(&jws.payload)?;
        let window = check_validity(&jws.payload, now, self.config.leeway_secs)?;
        let issuer = self.config.issuers.get(key.issuer_index).ok_or(ClaimError::WrongIssuer)?;
        let claims = extract_claims(&jws.payload, &issuer.issuer, &issuer.audience, window)?;
        Ok(claims)
    }

    /// Re-reads every key file unless the last reload was less than the configured interval
    /// before `now`. On error the previous keys stay in force.
    pub fn reload(&self, now: UnixSeconds) -> Result<ReloadOutcome, KeyError> {
        let mut state = self.reload_state.lock().unwrap_or_else(PoisonError::into_inner);
        let interval = self.config.jwks_min_reload_interval_secs;
        if state.last_reload.is_some_and(|last| now < last.saturating_add(interval)) {
            return Ok(ReloadOutcome::TooSoon);
        }
        state.last_reload = Some(now);
        state.reload_count += 1;
        let ring = load_key_ring(&self.config)?;
        let keys = ring.len();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(ring);
        tracing::info!(keys, "verification keys reloaded");
        Ok(ReloadOutcome::Reloaded { keys })
    }

    /// How many times key files have been re-read since start (for metrics and tests).
    pub fn reload_count(&self) -> u64 {
        self.reload_state.lock().unwrap_or_else(PoisonError::into_inner).reload_count
    }

    fn current_keys(&self) -> Arc<KeyRing> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn find_key(&self, kid: &str, now: UnixSeconds) -> Result<crate::keys::VerificationKey, TokenError> {
        if let Some(key) = self.current_keys().get(kid) {
            return Ok(key.clone());
        }
        match self.reload(now) {
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "key reload failed; keeping previous keys"),
        }
        self.current_keys().get(kid).cloned().ok_or(TokenError::UnknownKeyId)
    }
}
