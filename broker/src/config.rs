//! The hub's configuration file (`hub.toml`): strict TOML, validated at start-up.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toex_audit::AuditConfig;
pub use toex_common::config_file::ConfigError;
use toex_common::config_file::{invalid, read_toml};
use toex_policy::PolicyFiles;
use toex_security::{AuthConfig, KeySourceConfig};
use toex_tls::{LinkTlsConfig, LinkTlsMode, PublicTlsConfig};

/// Everything the hub needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    /// Address of the public gRPC endpoint.
    pub listen: SocketAddr,
    /// Where Prometheus scrapes `GET /metrics` (plain HTTP: bind it to an internal address).
    /// No endpoint when absent. Labels carry operations, outcomes and regions, never records.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// The regions this deployment federates.
    pub regions: Vec<RegionEndpoint>,
    /// How often the hub refreshes each node's catalogue, in seconds.
    #[serde(default = "HubConfig::default_discovery_interval")]
    pub discovery_interval_secs: u64,
    #[serde(default)]
    pub limits: HubLimits,
    /// Development only: permits plaintext endpoints. Never in production.
    #[serde(default)]
    pub dev_mode: bool,
    /// gRPC server reflection: on by default in dev mode, refused outside it (it reveals the
    /// schema).
    #[serde(default)]
    pub reflection: Option<bool>,
    /// Which token issuers, audiences and keys the hub trusts for callers.
    pub auth: AuthConfig,
    /// TLS of the caller-facing endpoint.
    pub public_tls: PublicTlsConfig,
    /// Mutual TLS towards the nodes: the federation CA and the hub's certificate and key.
    pub node_tls: LinkTlsConfig,
    /// The hub's Ed25519 private key (PKCS#8 PEM) that signs delegation tokens to the nodes.
    pub delegation_key_file: PathBuf,
    /// The hub's Cedar policy; the shipped default hub policy when absent.
    #[serde(default)]
    pub policy: Option<PolicyFiles>,
    /// The audit trail: every consultation and disclosure is durable here before anything is
    /// released, or the request fails `UNAVAILABLE`.
    pub audit: AuditConfig,
}

/// Where to reach one region's node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionEndpoint {
    /// ROCU code, e.g. `NWROCU`.
    pub code: String,
    /// The node's gRPC endpoint, e.g. `https://10.1.2.3:7701` (`http://` in dev mode only).
    pub endpoint: String,
}

/// Per-query limits at the hub.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubLimits {
    /// Rows returned when the caller does not ask for a cap.
    #[serde(default = "HubLimits::default_rows")]
    pub default_max_rows: u64,
    /// The most rows any caller may ask for.
    #[serde(default = "HubLimits::max_rows")]
    pub max_rows: u64,
    /// The most encoded Arrow bytes one answer may carry to the caller; it ends there, marked
    /// truncated.
    #[serde(default = "HubLimits::default_max_answer_bytes")]
    pub max_answer_bytes: u64,
    /// How long a region has to answer, in seconds.
    #[serde(default = "HubLimits::default_region_timeout")]
    pub region_timeout_secs: u64,
    /// How long the hub waits to connect to a node, in milliseconds.
    #[serde(default = "HubLimits::default_connect_timeout")]
    pub connect_timeout_ms: u64,
    /// Data requests allowed in flight at once; beyond it requests are shed (`UNAVAILABLE`).
    #[serde(default = "HubLimits::default_max_in_flight")]
    pub max_in_flight: usize,
    /// Sustained data requests per second one principal may make (`RESOURCE_EXHAUSTED` beyond).
    #[serde(default = "HubLimits::default_rate")]
    pub requests_per_second_per_principal: u32,
    /// Requests one principal may make in a burst.
    #[serde(default = "HubLimits::default_burst")]
    pub request_burst_per_principal: u32,
    /// The deadline of a call that sets none, in milliseconds.
    #[serde(default = "HubLimits::default_deadline")]
    pub default_deadline_ms: u64,
    /// The longest deadline honoured, in milliseconds; longer ones are capped.
    #[serde(default = "HubLimits::default_max_deadline")]
    pub max_deadline_ms: u64,
    /// Consecutive outages (unreachable, timed out) after which a node's circuit opens.
    #[serde(default = "HubLimits::default_breaker_failures")]
    pub breaker_failure_threshold: u32,
    /// How long an open circuit refuses calls before one probe, in milliseconds (doubling on
    /// each failed probe up to `breaker_max_cooldown_ms`).
    #[serde(default = "HubLimits::default_breaker_cooldown")]
    pub breaker_cooldown_ms: u64,
    #[serde(default = "HubLimits::default_breaker_max_cooldown")]
    pub breaker_max_cooldown_ms: u64,
    /// How long in-flight calls get to finish on SIGTERM before the rest are cut off, in
    /// milliseconds.
    #[serde(default = "HubLimits::default_drain_grace")]
    pub drain_grace_ms: u64,
}

impl HubConfig {
    fn default_discovery_interval() -> u64 {
        30
    }

    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut config: Self = read_toml(path)?;
        if let Some(base) = path.parent() {
            config.resolve_paths(base);
        }
        config.validate()?;
        Ok(config)
    }

    /// Resolves relative file paths against the configuration file's directory.
    fn resolve_paths(&mut self, base: &Path) {
        let resolve = |path: &mut PathBuf| {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        };
        resolve(&mut self.delegation_key_file);
        let tls_files = [&mut self.node_tls.ca_file, &mut self.node_tls.cert_file, &mut self.node_tls.key_file];
        let public_files = [&mut self.public_tls.cert_file, &mut self.public_tls.key_file];
        for path in tls_files.into_iter().chain(public_files).flatten() {
            resolve(path);
        }
        for issuer in &mut self.auth.issuers {
            for key in &mut issuer.keys {
                match key {
                    KeySourceConfig::Pem { path, .. } | KeySourceConfig::Jwks { path } => resolve(path),
                }
            }
        }
        if let Some(policy) = &mut self.policy {
            policy.resolve_paths(base);
        }
        resolve(&mut self.audit.dir);
        if let Some(key) = &mut self.audit.signing_key_file {
            resolve(key);
        }
    }

    /// Whether the hub serves gRPC reflection.
    pub fn reflection_enabled(&self) -> Result<bool, ConfigError> {
        toex_common::reflection::reflection_enabled(self.reflection, self.dev_mode)
            .map_err(|message| invalid("reflection", message))
    }

    /// Checks every value, naming the first key that is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // Insecure settings first: they refuse to start whatever else is wrong.
        self.auth.validate().map_err(|error| invalid("auth", error.to_string()))?;
        self.public_tls
            .validate_at("public_tls", self.dev_mode)
            .map_err(|error| invalid("public_tls", error.to_string()))?;
        self.node_tls.validate_at("node_tls", self.dev_mode).map_err(|error| invalid("node_tls", error.to_string()))?;
        self.reflection_enabled()?;
        if self.node_tls.mode == LinkTlsMode::ServerOnly {
            return Err(invalid("node_tls.mode", "\"server_only\" is not supported: use \"mtls\""));
        }
        if self.delegation_key_file.as_os_str().is_empty() {
            return Err(invalid("delegation_key_file", "the hub's delegation signing key is required"));
        }
        if self.policy.as_ref().is_some_and(|policy| policy.policy_files.is_empty()) {
            return Err(invalid("policy.policy_files", "list at least one Cedar policy file, or drop [policy]"));
        }
        validate_audit(&self.audit, self.dev_mode)?;
        if self.regions.is_empty() {
            return Err(invalid("regions", "at least one region is required"));
        }
        let mut seen = std::collections::HashSet::new();
        for (index, region) in self.regions.iter().enumerate() {
            if toex_common::regions::region_by_code(&region.code).is_none() {
                return Err(invalid(
                    format!("regions[{index}].code"),
                    format!("unknown region code {:?}", region.code),
                ));
            }
            if !seen.insert(region.code.as_str()) {
                return Err(invalid(format!("regions[{index}].code"), format!("{:?} is listed twice", region.code)));
            }
            if region.endpoint.parse::<tonic::transport::Uri>().is_err() || !region.endpoint.contains("://") {
                return Err(invalid(
                    format!("regions[{index}].endpoint"),
                    format!("{:?} is not a URL such as https://host:port", region.endpoint),
                ));
            }
            let wants_tls = self.node_tls.mode != LinkTlsMode::Plaintext;
            if wants_tls != region.endpoint.starts_with("https://") {
                let scheme = if wants_tls { "https" } else { "http" };
                return Err(invalid(
                    format!("regions[{index}].endpoint"),
                    format!("{:?} must use {scheme}:// with node_tls.mode as configured", region.endpoint),
                ));
            }
        }
        if self.discovery_interval_secs == 0 {
            return Err(invalid("discovery_interval_secs", "must be at least 1"));
        }
        let limits = &self.limits;
        if limits.max_rows == 0 || limits.default_max_rows == 0 || limits.default_max_rows > limits.max_rows {
            return Err(invalid("limits.default_max_rows", "must be between 1 and limits.max_rows"));
        }
        if limits.max_answer_bytes == 0 {
            return Err(invalid("limits.max_answer_bytes", "must be at least 1"));
        }
        if limits.region_timeout_secs == 0 {
            return Err(invalid("limits.region_timeout_secs", "must be at least 1"));
        }
        if limits.connect_timeout_ms == 0 {
            return Err(invalid("limits.connect_timeout_ms", "must be at least 1"));
        }
        if limits.max_in_flight == 0 {
            return Err(invalid("limits.max_in_flight", "must be at least 1"));
        }
        if limits.requests_per_second_per_principal == 0 || limits.request_burst_per_principal == 0 {
            return Err(invalid("limits.requests_per_second_per_principal", "rate and burst must be at least 1"));
        }
        if limits.default_deadline_ms == 0 || limits.default_deadline_ms > limits.max_deadline_ms {
            return Err(invalid("limits.default_deadline_ms", "must be between 1 and limits.max_deadline_ms"));
        }
        Ok(())
    }
}

/// Checks an `[audit]` section: valid values, and outside dev mode a signing key file, so that
/// checkpoints can be verified after a restart.
pub fn validate_audit(audit: &AuditConfig, dev_mode: bool) -> Result<(), ConfigError> {
    audit.validate().map_err(|error| invalid("audit", error.to_string()))?;
    if audit.signing_key_file.is_none() && !dev_mode {
        return Err(invalid(
            "audit.signing_key_file",
            "required outside dev mode: checkpoints must be signed by a key that outlives the process",
        ));
    }
    Ok(())
}

impl HubLimits {
    fn default_rows() -> u64 {
        1_000_000
    }

    fn max_rows() -> u64 {
        100_000_000
    }

    fn default_max_answer_bytes() -> u64 {
        4 << 30
    }

    fn default_region_timeout() -> u64 {
        30
    }

    fn default_connect_timeout() -> u64 {
        1_500
    }

    fn default_max_in_flight() -> usize {
        64
    }

    fn default_rate() -> u32 {
        20
    }

    fn default_burst() -> u32 {
        40
    }

    fn default_deadline() -> u64 {
        30_000
    }

    fn default_max_deadline() -> u64 {
        120_000
    }

    fn default_breaker_failures() -> u32 {
        3
    }

    fn default_breaker_cooldown() -> u64 {
        2_000
    }

    fn default_breaker_max_cooldown() -> u64 {
        30_000
    }

    fn default_drain_grace() -> u64 {
        toex_common::transport::DEFAULT_DRAIN_GRACE.as_millis() as u64
    }

    /// How long a draining hub lets calls finish.
    pub fn drain_grace(&self) -> Duration {
        Duration::from_millis(self.drain_grace_ms)
    }

    /// The circuit breaker settings of every node client.
    pub fn breaker(&self) -> crate::breaker::BreakerSettings {
        crate::breaker::BreakerSettings {
            failure_threshold: self.breaker_failure_threshold.max(1),
            cooldown: Duration::from_millis(self.breaker_cooldown_ms),
            max_cooldown: Duration::from_millis(self.breaker_max_cooldown_ms.max(self.breaker_cooldown_ms)),
        }
    }

    /// The deadline a call gets when it asked for `requested` (none: the default; capped).
    pub fn deadline(&self, requested: Option<Duration>) -> Duration {
        let cap = Duration::from_millis(self.max_deadline_ms);
        requested.unwrap_or(Duration::from_millis(self.default_deadline_ms)).min(cap)
    }

    /// A region's share of the query deadline.
    pub fn region_timeout(&self) -> Duration {
        Duration::from_secs(self.region_timeout_secs)
    }

    /// The cap on connecting to a node.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    /// The row cap for a request asking for `requested` rows (0: the default).
    pub fn row_cap(&self, requested: u64) -> u64 {
        if requested == 0 { self.default_max_rows } else { requested.min(self.max_rows) }
    }
}

impl Default for HubLimits {
    fn default() -> Self {
        Self {
            default_max_rows: Self::default_rows(),
            max_rows: Self::max_rows(),
            max_answer_bytes: Self::default_max_answer_bytes(),
            region_timeout_secs: Self::default_region_timeout(),
            connect_timeout_ms: Self::default_connect_timeout(),
            max_in_flight: Self::default_max_in_flight(),
            requests_per_second_per_principal: Self::default_rate(),
            request_burst_per_principal: Self::default_burst(),
            default_deadline_ms: Self::default_deadline(),
            max_deadline_ms: Self::default_max_deadline(),
            breaker_failure_threshold: Self::default_breaker_failures(),
            breaker_cooldown_ms: Self::default_breaker_cooldown(),
            breaker_max_cooldown_ms: Self::default_breaker_max_cooldown(),
            drain_grace_ms: Self::default_drain_grace(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<HubConfig, String> {
        let config: HubConfig = toml::from_str(text).map_err(|error| error.to_string())?;
        config.validate().map_err(|error| error.to_string())?;
        Ok(config)
    }

    const SECURITY: &str = "delegation_key_file = \"keys/delegation-signing-key.pem\"\n\
        public_tls = { cert_file = \"hub-public.pem\", key_file = \"hub-public.key\" }\n\
        node_tls = { ca_file = \"ca.pem\", cert_file = \"hub.pem\", key_file = \"hub.key\" }\n\
        auth = { issuers = [{ issuer = \"idp\", audience = \"toex-hub\", keys = [{ kind = \"jwks\", path = \"j.json\" }] }] }\n\
        audit = { dir = \"audit\", signing_key_file = \"keys/audit.key\" }\n";

    #[test]
    fn loads_with_defaults_and_names_bad_keys() {
        let good = format!(
            "listen = \"127.0.0.1:0\"\n{SECURITY}[[regions]]\ncode = \"NWROCU\"\nendpoint = \"https://127.0.0.1:7701\"\n"
        );
        let config = parse(&good).unwrap();
        assert_eq!(config.limits.row_cap(0), 1_000_000);
        assert_eq!(config.limits.row_cap(10), 10);
        assert!(parse(&format!("{good}typo = 1\n")).unwrap_err().contains("typo"));
        let bad_region = good.replace("NWROCU", "ATLANTIS");
        assert!(parse(&bad_region).unwrap_err().starts_with("regions[0].code"));
        let bad_endpoint = good.replace("https://127.0.0.1:7701", "not a url");
        assert!(parse(&bad_endpoint).unwrap_err().starts_with("regions[0].endpoint"));
        let plaintext_endpoint = good.replace("https://", "http://");
        assert!(parse(&plaintext_endpoint).unwrap_err().starts_with("regions[0].endpoint"));
        assert!(
            parse(&format!("listen = \"127.0.0.1:0\"\n{SECURITY}regions = []\n")).unwrap_err().starts_with("regions:")
        );
    }

    #[test]
    fn insecure_configuration_refuses_to_start_outside_dev_mode() {
        let good = format!(
            "listen = \"127.0.0.1:0\"\n{SECURITY}[[regions]]\ncode = \"NWROCU\"\nendpoint = \"https://127.0.0.1:7701\"\n"
        );
        let public_plaintext =
            good.replace("public_tls = { cert_file", "public_tls = { mode = \"plaintext\", cert_file");
        assert!(parse(&public_plaintext).unwrap_err().contains("public_tls.mode = \"plaintext\""));
        parse(&format!("dev_mode = true\n{public_plaintext}")).unwrap();
        let link_plaintext = good.replace("node_tls = { ca_file", "node_tls = { mode = \"plaintext\", ca_file");
        assert!(parse(&link_plaintext).unwrap_err().contains("node_tls.mode = \"plaintext\""));
        let no_audience = good.replace("audience = \"toex-hub\"", "audience = \"\"");
        assert!(parse(&no_audience).unwrap_err().contains("audience"));
        let no_issuers = good.replace(
            "auth = { issuers = [{ issuer = \"idp\", audience = \"toex-hub\", keys = [{ kind = \"jwks\", path = \"j.json\" }] }] }",
            "auth = { issuers = [] }",
        );
        assert!(parse(&no_issuers).unwrap_err().contains("issuer"));
        let no_signing_key = good.replace("delegation_key_file = \"keys/delegation-signing-key.pem\"\n", "");
        assert!(parse(&no_signing_key).unwrap_err().contains("delegation_key_file"));
    }
}
