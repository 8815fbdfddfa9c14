//! Transport-security configuration as serde structs, and the insecure-configuration guard: outside
//! `dev_mode`, plaintext and links without client authentication refuse to start (threats 22 and
//! 105). `validate` reports every bad key by name before failing.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::incoming::{DEFAULT_HANDSHAKE_TIMEOUT, IncomingLimits};

/// Upper bound on the configurable handshake timeout (catalogue item 29: at most 10 s).
pub const MAX_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors from validating configuration.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// One or more keys are insecure or incomplete; each problem names its key.
    #[error("tls configuration refused: {}", problems.join("; "))]
    Invalid {
        /// One message per bad key, each starting with the key's dotted path.
        problems: Vec<String>,
    },
}

/// Security of the hub-to-node link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkTlsMode {
    /// Mutual TLS with the federation CA (the only production setting).
    #[default]
    Mtls,
    /// TLS without client certificates (dev only).
    ServerOnly,
    /// No TLS at all (dev only).
    Plaintext,
}

/// Security of the hub's caller-facing endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicTlsMode {
    /// TLS; callers authenticate with bearer tokens.
    #[default]
    Tls,
    /// No TLS at all (dev only).
    Plaintext,
}

/// TLS settings for one end of the hub-to-node link (`[tls]` on a node, `[node_tls]` on the hub).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkTlsConfig {
    /// Link security; `mtls` unless `dev_mode`.
    #[serde(default)]
    pub mode: LinkTlsMode,
    /// Federation CA certificate, PEM.
    pub ca_file: Option<PathBuf>,
    /// This party's certificate, PEM.
    pub cert_file: Option<PathBuf>,
    /// This party's private key, PEM.
    pub key_file: Option<PathBuf>,
    /// Time a peer has to finish the handshake, in milliseconds (1 to 10 000).
    #[serde(default = "default_handshake_timeout_ms")]
    pub handshake_timeout_ms: u64,
}

/// TLS settings for the hub's caller-facing endpoint (`[public_tls]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicTlsConfig {
    /// Endpoint security; `tls` unless `dev_mode`.
    #[serde(default)]
    pub mode: PublicTlsMode,
    /// Endpoint certificate, PEM.
    pub cert_file: Option<PathBuf>,
    /// Endpoint private key, PEM.
    pub key_file: Option<PathBuf>,
}

fn default_handshake_timeout_ms() -> u64 {
    u64::try_from(DEFAULT_HANDSHAKE_TIMEOUT.as_millis()).unwrap_or(u64::MAX)
}

impl LinkTlsConfig {
    /// Validates as the `tls` section; see [`LinkTlsConfig::validate_at`].
    pub fn validate(&self, dev_mode: bool) -> Result<(), ConfigError> {
        self.validate_at("tls", dev_mode)
    }

    /// Refuses plaintext or missing client authentication unless `dev_mode`, missing files, and an
    /// out-of-range handshake timeout; messages name keys as `<section>.<key>`.
    pub fn validate_at(&self, section: &str, dev_mode: bool) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        match self.mode {
            LinkTlsMode::Mtls => {}
            LinkTlsMode::ServerOnly if dev_mode => {}
            LinkTlsMode::ServerOnly => problems.push(format!(
                "{section}.mode = \"server_only\" leaves the hub-to-node link without client \
                 authentication; use \"mtls\" or set dev_mode = true"
            )),
            LinkTlsMode::Plaintext if dev_mode => {}
            LinkTlsMode::Plaintext => problems.push(format!(
                "{section}.mode = \"plaintext\" sends federation traffic unencrypted; use \"mtls\" \
                 or set dev_mode = true"
            )),
        }
        if self.mode != LinkTlsMode::Plaintext {
            require_path(&mut problems, section, "cert_file", self.cert_file.as_ref());
            require_path(&mut problems, section, "key_file", self.key_file.as_ref());
        }
        if self.mode == LinkTlsMode::Mtls {
            require_path(&mut problems, section, "ca_file", self.ca_file.as_ref());
        }
        let timeout = Duration::from_millis(self.handshake_timeout_ms);
        if timeout.is_zero() || timeout > MAX_HANDSHAKE_TIMEOUT {
            problems.push(format!(
                "{section}.handshake_timeout_ms = {} is outside 1..={}",
                self.handshake_timeout_ms,
                MAX_HANDSHAKE_TIMEOUT.as_millis()
            ));
        }
        into_result(problems)
    }

    /// Accept-loop limits with this configuration's handshake timeout.
    pub fn incoming_limits(&self) -> IncomingLimits {
        IncomingLimits {
            handshake_timeout: Duration::from_millis(self.handshake_timeout_ms),
            ..IncomingLimits::default()
        }
    }
}

impl PublicTlsConfig {
    /// Validates as the `public_tls` section; see [`PublicTlsConfig::validate_at`].
    pub fn validate(&self, dev_mode: bool) -> Result<(), ConfigError> {
        self.validate_at("public_tls", dev_mode)
    }

    /// Refuses plaintext unless `dev_mode`, and missing files; messages name keys as
    /// `<section>.<key>`.
    pub fn validate_at(&self, section: &str, dev_mode: bool) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        match self.mode {
            PublicTlsMode::Tls => {
                require_path(&mut problems, section, "cert_file", self.cert_file.as_ref());
                require_path(&mut problems, section, "key_file", self.key_file.as_ref());
            }
            PublicTlsMode::Plaintext if dev_mode => {}
            PublicTlsMode::Plaintext => problems.push(format!(
                "{section}.mode = \"plaintext\" exposes bearer tokens on the wire; use \"tls\" or \
                 set dev_mode = true"
            )),
        }
        into_result(problems)
    }
}

fn require_path(problems: &mut Vec<String>, section: &str, key: &str, value: Option<&PathBuf>) {
    let present = value.is_some_and(|path| !path.as_os_str().is_empty());
    if !present {
        problems.push(format!("{section}.{key} is required"));
    }
}

fn into_result(problems: Vec<String>) -> Result<(), ConfigError> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(ConfigError::Invalid { problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(text: &str) -> LinkTlsConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn complete_mtls_is_accepted_in_production() {
        let config = link("ca_file = \"ca.pem\"\ncert_file = \"n.pem\"\nkey_file = \"n.key\"\n");
        assert_eq!(config.mode, LinkTlsMode::Mtls);
        config.validate(false).unwrap();
    }

    #[test]
    fn plaintext_link_refused_outside_dev_mode_naming_the_key() {
        let config = link("mode = \"plaintext\"\n");
        let error = config.validate_at("node_tls", false).unwrap_err().to_string();
        assert!(error.contains("node_tls.mode"), "{error}");
        config.validate_at("node_tls", true).unwrap();
    }

    #[test]
    fn missing_client_auth_refused_outside_dev_mode() {
        let config = link("mode = \"server_only\"\ncert_file = \"n.pem\"\nkey_file = \"n.key\"\n");
        let error = config.validate(false).unwrap_err().to_string();
        assert!(error.contains("tls.mode = \"server_only\""), "{error}");
        config.validate(true).unwrap();
    }

    #[test]
    fn every_missing_file_and_bad_timeout_is_named() {
        let config = link("handshake_timeout_ms = 60000\n");
        let ConfigError::Invalid { problems } = config.validate(false).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        for key in ["tls.cert_file", "tls.key_file", "tls.ca_file", "tls.handshake_timeout_ms"] {
            assert!(problems.iter().any(|problem| problem.starts_with(key)), "{key}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let parsed: Result<LinkTlsConfig, _> = toml::from_str("allow_unauthenticated = true\n");
        assert!(parsed.is_err());
    }

    #[test]
    fn public_plaintext_refused_outside_dev_mode() {
        let config: PublicTlsConfig = toml::from_str("mode = \"plaintext\"\n").unwrap();
        let error = config.validate(false).unwrap_err().to_string();
        assert!(error.contains("public_tls.mode"), "{error}");
        config.validate(true).unwrap();
        let tls: PublicTlsConfig = toml::from_str("cert_file = \"p.pem\"\n").unwrap();
        let tls_error = tls.validate(false).unwrap_err().to_string();
        assert!(tls_error.contains("public_tls.key_file"), "{tls_error}");
    }
}
