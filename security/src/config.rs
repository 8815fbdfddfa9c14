//! Configuration of access-token verification: which issuers are trusted, for which audience, with
//! which keys (PEM files with a pinned algorithm, or JWKS files), and how much clock skew to allow.
//! An insecure configuration (no issuer, empty audience, no keys, too much leeway) refuses to load.
//!
//! ```toml
//! leeway_secs = 30
//! jwks_min_reload_interval_secs = 60
//!
//! [[issuers]]
//! issuer = "https://idp.police.example/realms/toex"
//! audience = "toex-hub"
//! keys = [
//!   { kind = "jwks", path = "/etc/toex/idp-jwks.json" },
//!   { kind = "pem", kid = "2026-01", algorithm = "ES256", path = "/etc/toex/idp-2026-01.pem" },
//! ]
//! ```

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jsonwebtoken::Algorithm;
use serde::{Deserialize, Serialize};

use crate::clock::UnixSeconds;

/// The largest clock-skew allowance accepted (threat catalogue item 4: at most 30 s).
pub const MAX_LEEWAY_SECS: u64 = 30;
/// Leeway used when the config does not set one.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// The shortest interval allowed between two key reloads (threat catalogue item 11).
pub const MIN_KEY_RELOAD_INTERVAL_SECS: u64 = 10;
/// Reload interval used when the config does not set one.
pub const DEFAULT_KEY_RELOAD_INTERVAL_SECS: u64 = 60;

/// How the hub verifies callers' access tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Trusted issuers; at least one.
    pub issuers: Vec<IssuerConfig>,
    /// Allowed clock skew for `exp`, `nbf` and `iat`, at most [`MAX_LEEWAY_SECS`].
    #[serde(default = "default_leeway_secs")]
    pub leeway_secs: u64,
    /// Minimum seconds between two reloads of the key files, at least
    /// [`MIN_KEY_RELOAD_INTERVAL_SECS`]. Bounds the work an unknown-`kid` flood can cause.
    #[serde(default = "default_reload_interval_secs")]
    pub jwks_min_reload_interval_secs: UnixSeconds,
}

/// One trusted token issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The exact `iss` value this issuer puts in tokens.
    pub issuer: String,
    /// The `aud` value tokens from this issuer must carry, and carry alone.
    pub audience: String,
    /// Where this issuer's public keys come from; at least one source.
    pub keys: Vec<KeySourceConfig>,
}

/// A source of an issuer's public verification keys. Only local files: there are no outbound
/// fetches, whatever a token's `jku` or `x5u` header says (threat catalogue item 12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeySourceConfig {
    /// One public key in a PEM file, with its key id and its single allowed algorithm.
    Pem {
        /// The `kid` tokens signed by this key carry.
        kid: String,
        /// The one algorithm this key verifies (asymmetric only).
        algorithm: Algorithm,
        /// Path to the SubjectPublicKeyInfo PEM file.
        path: PathBuf,
    },
    /// A JWKS file (`{"keys":[...]}`); every key needs a `kid`.
    Jwks {
        /// Path to the JWKS JSON file.
        path: PathBuf,
    },
}

/// An insecure or inconsistent configuration, naming the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `issuers` is empty.
    #[error("auth.issuers must list at least one trusted issuer")]
    NoIssuers,
    /// `issuers[index].issuer` is empty.
    #[error("auth.issuers[{index}].issuer must not be empty")]
    EmptyIssuer {
        /// Position in `issuers`.
        index: usize,
    },
    /// The same issuer is listed twice.
    #[error("auth.issuers[{index}].issuer repeats an earlier issuer")]
    DuplicateIssuer {
        /// Position in `issuers`.
        index: usize,
    },
    /// `issuers[index].audience` is empty.
    #[error("auth.issuers[{index}].audience must not be empty")]
    EmptyAudience {
        /// Position in `issuers`.
        index: usize,
    },
    /// `issuers[index].keys` is empty.
    #[error("auth.issuers[{index}].keys must list at least one key source")]
    NoKeys {
        /// Position in `issuers`.
        index: usize,
    },
    /// `leeway_secs` is above [`MAX_LEEWAY_SECS`].
    #[error("auth.leeway_secs is {found}, above the maximum of {max}")]
    LeewayTooLarge {
        /// The configured value.
        found: u64,
        /// [`MAX_LEEWAY_SECS`].
        max: u64,
    },
    /// `jwks_min_reload_interval_secs` is below [`MIN_KEY_RELOAD_INTERVAL_SECS`].
    #[error("auth.jwks_min_reload_interval_secs is {found}, below the minimum of {min}")]
    ReloadIntervalTooShort {
        /// The configured value.
        found: u64,
        /// [`MIN_KEY_RELOAD_INTERVAL_SECS`].
        min: u64,
    },
}

fn default_leeway_secs() -> u64 {
    DEFAULT_LEEWAY_SECS
}

fn default_reload_interval_secs() -> u64 {
    DEFAULT_KEY_RELOAD_INTERVAL_SECS
}

impl AuthConfig {
    /// A config trusting one issuer, with the default leeway and reload interval.
    pub fn single_issuer(issuer: &str, audience: &str, keys: Vec<KeySourceConfig>) -> Self {
        Self {
            issuers: vec![IssuerConfig { issuer: issuer.to_owned(), audience: audience.to_owned(), keys }],
            leeway_secs: DEFAULT_LEEWAY_SECS,
            jwks_min_reload_interval_secs: DEFAULT_KEY_RELOAD_INTERVAL_SECS,
        }
    }

    /// Checks the config is complete and safe; the error names the first bad key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.issuers.is_empty() {
            return Err(ConfigError::NoIssuers);
        }
        if self.leeway_secs > MAX_LEEWAY_SECS {
            return Err(ConfigError::LeewayTooLarge { found: self.leeway_secs, max: MAX_LEEWAY_SECS });
        }
        if self.jwks_min_reload_interval_secs < MIN_KEY_RELOAD_INTERVAL_SECS {
            return Err(ConfigError::ReloadIntervalTooShort {
                found: self.jwks_min_reload_interval_secs,
                min: MIN_KEY_RELOAD_INTERVAL_SECS,
            });
        }
        let mut seen_issuers = HashSet::new();
        for (index, issuer) in self.issuers.iter().enumerate() {
            if issuer.issuer.trim().is_empty() {
                return Err(ConfigError::EmptyIssuer { index });
            }
            if !seen_issuers.insert(issuer.issuer.as_str()) {
                return Err(ConfigError::DuplicateIssuer { index });
            }
            if issuer.audience.trim().is_empty() {
                return Err(ConfigError::EmptyAudience { index });
            }
            if issuer.keys.is_empty() {
                return Err(ConfigError::NoKeys { index });
            }
        }
        Ok(())
    }

    /// Resolves relative key paths against `base_dir` (usually the config file's directory).
    pub fn with_base_dir(mut self, base_dir: &Path) -> Self {
        for issuer in &mut self.issuers {
            for source in &mut issuer.keys {
                let path = match source {
                    KeySourceConfig::Pem { path, .. } | KeySourceConfig::Jwks { path } => path,
                };
                if path.is_relative() {
                    *path = base_dir.join(&*path);
                }
            }
        }
        self
    }
}
