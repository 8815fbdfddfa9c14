//! The node's configuration file (`node.toml`): strict TOML, validated at start-up.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toex_audit::AuditConfig;
pub use toex_common::config_file::ConfigError;
use toex_common::config_file::{invalid, read_toml};
use toex_policy::PolicyFiles;
use toex_tls::LinkTlsConfig;

/// Everything a node needs to serve its region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// The ROCU code this node serves, e.g. `NWROCU`.
    pub region: String,
    /// Address the node's gRPC endpoint listens on.
    pub listen: SocketAddr,
    /// Where Prometheus scrapes `GET /metrics` (plain HTTP: bind it to an internal address).
    /// No endpoint when absent. Labels carry operations, outcomes and regions, never records.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// Directory with one sub-directory of Parquet files per common-data-model table.
    pub data_dir: PathBuf,
    /// Who to contact in the owning unit about its records.
    #[serde(default)]
    pub contact_point: String,
    /// Extra datasets offered besides the common data model.
    #[serde(default)]
    pub datasets: Vec<DatasetConfig>,
    /// Query limits.
    #[serde(default)]
    pub limits: NodeLimits,
    /// Development only: permits a plaintext or server-only link to the hub. Never in production.
    #[serde(default)]
    pub dev_mode: bool,
    /// gRPC server reflection: on by default in dev mode, refused outside it (it reveals the
    /// schema).
    #[serde(default)]
    pub reflection: Option<bool>,
    /// Mutual TLS towards the hub: the federation CA and this node's certificate and key.
    pub tls: LinkTlsConfig,
    /// The hub's delegation public key (PEM): every data request must carry a token it signed.
    pub hub_delegation_key_file: PathBuf,
    /// The node's own Cedar policy (dual key); the shipped default node policy when absent.
    #[serde(default)]
    pub policy: Option<PolicyFiles>,
    /// The audit trail: every consultation and disclosure is durable here before anything is
    /// released, or the request fails `UNAVAILABLE`.
    pub audit: AuditConfig,
}

/// An extra dataset: a CSV or Parquet file (or directory of them) exposed as a table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// Table name callers use.
    pub name: String,
    /// File or directory; relative paths are relative to the configuration file.
    pub path: PathBuf,
    pub format: DatasetFormat,
    /// Markings applied to every row when the dataset has no marking columns of its own.
    pub default_markings: DefaultMarkings,
}

/// File format of an extra dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetFormat {
    Csv,
    Parquet,
}

/// Dataset-level protective markings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultMarkings {
    /// Owning force; defaults to the region code.
    #[serde(default)]
    pub force: Option<String>,
    pub classification: String,
    pub handling_code: String,
    #[serde(default)]
    pub handling_conditions: Option<String>,
}

/// Per-query limits at the node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeLimits {
    /// The most rows one query may return to the hub.
    #[serde(default = "NodeLimits::default_max_rows")]
    pub max_rows_per_query: u64,
    /// The most encoded Arrow bytes one query may send to the hub; the answer ends there,
    /// marked truncated.
    #[serde(default = "NodeLimits::default_max_bytes")]
    pub max_bytes_per_query: u64,
    /// Rows per Arrow record batch.
    #[serde(default = "NodeLimits::default_batch_size")]
    pub batch_size: usize,
    /// Memory one query may hold for sorts, joins and aggregates, in MiB; beyond it the query
    /// fails with `RESOURCE_EXHAUSTED` and the node keeps serving.
    #[serde(default = "NodeLimits::default_memory_per_query")]
    pub memory_per_query_mib: usize,
    /// Partitions (parallel streams) one query is split into; 0, the default, is one per CPU
    /// core. A node sharing a machine with others does better with its share of the cores.
    #[serde(default)]
    pub target_partitions: usize,
    /// How long in-flight calls get to finish on SIGTERM before the rest are cut off, in
    /// milliseconds.
    #[serde(default = "NodeLimits::default_drain_grace")]
    pub drain_grace_ms: u64,
}

impl NodeLimits {
    fn default_max_rows() -> u64 {
        50_000_000
    }

    fn default_max_bytes() -> u64 {
        4 << 30
    }

    fn default_batch_size() -> usize {
        8192
    }

    fn default_memory_per_query() -> usize {
        1024
    }

    fn default_drain_grace() -> u64 {
        toex_common::transport::DEFAULT_DRAIN_GRACE.as_millis() as u64
    }

    /// How long a draining node lets calls finish.
    pub fn drain_grace(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.drain_grace_ms)
    }
}

impl Default for NodeLimits {
    fn default() -> Self {
        Self {
            max_rows_per_query: Self::default_max_rows(),
            max_bytes_per_query: Self::default_max_bytes(),
            batch_size: Self::default_batch_size(),
            memory_per_query_mib: Self::default_memory_per_query(),
            target_partitions: 0,
            drain_grace_ms: Self::default_drain_grace(),
        }
    }
}

impl NodeConfig {
    /// Reads, parses and validates a configuration file. Relative paths are resolved against the
    /// file's directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut config: Self = read_toml(path)?;
        if let Some(base) = path.parent() {
            config.resolve_paths(base);
        }
        config.validate()?;
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        if self.data_dir.is_relative() {
            self.data_dir = base.join(&self.data_dir);
        }
        if self.hub_delegation_key_file.is_relative() {
            self.hub_delegation_key_file = base.join(&self.hub_delegation_key_file);
        }
        for file in [&mut self.tls.ca_file, &mut self.tls.cert_file, &mut self.tls.key_file].into_iter().flatten() {
            if file.is_relative() {
                *file = base.join(&*file);
            }
        }
        if let Some(policy) = &mut self.policy {
            policy.resolve_paths(base);
        }
        if self.audit.dir.is_relative() {
            self.audit.dir = base.join(&self.audit.dir);
        }
        if let Some(key) = self.audit.signing_key_file.as_mut().filter(|key| key.is_relative()) {
            *key = base.join(&*key);
        }
        for dataset in &mut self.datasets {
            if dataset.path.is_relative() {
                dataset.path = base.join(&dataset.path);
            }
        }
    }

    /// Whether the node serves gRPC reflection.
    pub fn reflection_enabled(&self) -> Result<bool, ConfigError> {
        toex_common::reflection::reflection_enabled(self.reflection, self.dev_mode)
            .map_err(|message| invalid("reflection", message))
    }

    /// Checks every value, naming the first key that is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if toex_common::regions::region_by_code(&self.region).is_none() {
            return Err(invalid("region", format!("unknown region code {:?}", self.region)));
        }
        self.tls.validate_at("tls", self.dev_mode).map_err(|error| invalid("tls", error.to_string()))?;
        self.reflection_enabled()?;
        if self.hub_delegation_key_file.as_os_str().is_empty() {
            return Err(invalid("hub_delegation_key_file", "the hub's delegation public key is required"));
        }
        if self.policy.as_ref().is_some_and(|policy| policy.policy_files.is_empty()) {
            return Err(invalid("policy.policy_files", "list at least one Cedar policy file, or drop [policy]"));
        }
        self.audit.validate().map_err(|error| invalid("audit", error.to_string()))?;
        if self.audit.signing_key_file.is_none() && !self.dev_mode {
            return Err(invalid("audit.signing_key_file", "required outside dev mode"));
        }
        if self.limits.max_rows_per_query == 0 {
            return Err(invalid("limits.max_rows_per_query", "must be at least 1"));
        }
        if self.limits.max_bytes_per_query == 0 {
            return Err(invalid("limits.max_bytes_per_query", "must be at least 1"));
        }
        if !(1..=1_000_000).contains(&self.limits.batch_size) {
            return Err(invalid("limits.batch_size", "must be between 1 and 1000000"));
        }
        if self.limits.target_partitions > 1024 {
            return Err(invalid("limits.target_partitions", "must be at most 1024 (0: one per CPU core)"));
        }
        let mut names = std::collections::HashSet::new();
        for (index, dataset) in self.datasets.iter().enumerate() {
            let key = format!("datasets[{index}]");
            validate_table_name(&dataset.name).map_err(|message| invalid(format!("{key}.name"), message))?;
            if toex_common::cdm::table_by_name(&dataset.name).is_some() {
                return Err(invalid(format!("{key}.name"), format!("{:?} is a common-data-model table", dataset.name)));
            }
            if !names.insert(dataset.name.as_str()) {
                return Err(invalid(format!("{key}.name"), format!("{:?} is declared twice", dataset.name)));
            }
            let markings = &dataset.default_markings;
            markings
                .classification
                .parse::<toex_common::markings::Classification>()
                .map_err(|error| invalid(format!("{key}.default_markings.classification"), error.to_string()))?;
            let code = markings
                .handling_code
                .parse::<toex_common::markings::HandlingCode>()
                .map_err(|error| invalid(format!("{key}.default_markings.handling_code"), error.to_string()))?;
            if code == toex_common::markings::HandlingCode::Conditions
                && markings.handling_conditions.as_deref().is_none_or(|text| text.trim().is_empty())
            {
                return Err(invalid(
                    format!("{key}.default_markings.handling_conditions"),
                    "required when handling_code is \"C\"",
                ));
            }
        }
        Ok(())
    }
}

/// Table names are lower-case identifiers, so they need no quoting in SQL.
fn validate_table_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63;
    if valid {
        Ok(())
    } else {
        Err(format!("{name:?} must be a lower-case identifier (a-z, 0-9, _), at most 63 characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NodeConfig, ConfigError> {
        let config: NodeConfig = toml::from_str(text)
            .map_err(|source| ConfigError::Parse { path: "test.toml".into(), source: Box::new(source) })?;
        config.validate()?;
        Ok(config)
    }

    const BASE: &str = "region = \"NWROCU\"\nlisten = \"127.0.0.1:0\"\ndata_dir = \"data\"\n\
        hub_delegation_key_file = \"keys/delegation-public-key.pem\"\n\
        tls = { ca_file = \"ca.pem\", cert_file = \"n.pem\", key_file = \"n.key\" }\n\
        audit = { dir = \"audit\", signing_key_file = \"audit.key\" }\n";

    #[test]
    fn minimal_config_loads_with_defaults() {
        let config = parse(BASE).unwrap();
        assert_eq!(config.limits.batch_size, 8192);
        assert_eq!(config.limits.target_partitions, 0, "0: one partition per CPU core");
        assert!(config.datasets.is_empty());
    }

    #[test]
    fn errors_name_the_key() {
        let unknown = parse(&format!("{BASE}colour = \"blue\"\n")).unwrap_err().to_string();
        assert!(unknown.contains("colour"), "{unknown}");
        let region = parse(&BASE.replace("NWROCU", "MARS")).unwrap_err();
        assert!(region.to_string().starts_with("region:"), "{region}");
        let dataset = format!(
            "{BASE}[[datasets]]\nname = \"stats\"\npath = \"s.csv\"\nformat = \"csv\"\n\
             [datasets.default_markings]\nclassification = \"OFFICIAL\"\nhandling_code = \"C\"\n"
        );
        let message = parse(&dataset).unwrap_err().to_string();
        assert!(message.starts_with("datasets[0].default_markings.handling_conditions"), "{message}");
        let clash = format!(
            "{BASE}[[datasets]]\nname = \"persons\"\npath = \"s.csv\"\nformat = \"csv\"\n\
             [datasets.default_markings]\nclassification = \"OFFICIAL\"\nhandling_code = \"P\"\n"
        );
        assert!(parse(&clash).unwrap_err().to_string().contains("common-data-model"));
        let partitions = parse(&format!("{BASE}[limits]\ntarget_partitions = 5000\n")).unwrap_err().to_string();
        assert!(partitions.starts_with("limits.target_partitions"), "{partitions}");
        assert_eq!(parse(&format!("{BASE}[limits]\ntarget_partitions = 2\n")).unwrap().limits.target_partitions, 2);
    }

    #[test]
    fn an_insecure_link_refuses_to_start_outside_dev_mode() {
        let plaintext = BASE.replace("tls = { ca_file", "tls = { mode = \"plaintext\", ca_file");
        let message = parse(&plaintext).unwrap_err().to_string();
        assert!(message.contains("tls.mode = \"plaintext\""), "{message}");
        parse(&format!("dev_mode = true\n{plaintext}")).unwrap();
        let no_ca = BASE.replace("ca_file = \"ca.pem\", ", "");
        assert!(parse(&no_ca).unwrap_err().to_string().contains("tls.ca_file is required"));
        let no_key = BASE.replace("hub_delegation_key_file = \"keys/delegation-public-key.pem\"\n", "");
        assert!(parse(&no_key).unwrap_err().to_string().contains("hub_delegation_key_file"));
    }
}
