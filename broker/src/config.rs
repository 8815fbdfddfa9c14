//! The hub's configuration file (`hub.toml`): strict TOML, validated at start-up.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
pub use toex_common::config_file::ConfigError;
use toex_common::config_file::{invalid, read_toml};

/// Everything the hub needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    /// Address of the public gRPC endpoint.
    pub listen: SocketAddr,
    /// The regions this deployment federates.
    pub regions: Vec<RegionEndpoint>,
    /// How often the hub refreshes each node's catalogue, in seconds.
    #[serde(default = "HubConfig::default_discovery_interval")]
    pub discovery_interval_secs: u64,
    #[serde(default)]
    pub limits: HubLimits,
}

/// Where to reach one region's node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionEndpoint {
    /// ROCU code, e.g. `NWROCU`.
    pub code: String,
    /// The node's gRPC endpoint, e.g. `http://10.1.2.3:7701`.
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
    /// How long a region has to answer, in seconds.
    #[serde(default = "HubLimits::default_region_timeout")]
    pub region_timeout_secs: u64,
    /// How long the hub waits to connect to a node, in milliseconds.
    #[serde(default = "HubLimits::default_connect_timeout")]
    pub connect_timeout_ms: u64,
}

impl HubConfig {
    fn default_discovery_interval() -> u64 {
        30
    }

    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let config: Self = read_toml(path)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value, naming the first key that is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
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
                    format!("{:?} is not a URL such as http://host:port", region.endpoint),
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
        if limits.region_timeout_secs == 0 {
            return Err(invalid("limits.region_timeout_secs", "must be at least 1"));
        }
        if limits.connect_timeout_ms == 0 {
            return Err(invalid("limits.connect_timeout_ms", "must be at least 1"));
        }
        Ok(())
    }
}

impl HubLimits {
    fn default_rows() -> u64 {
        1_000_000
    }

    fn max_rows() -> u64 {
        100_000_000
    }

    fn default_region_timeout() -> u64 {
        30
    }

    fn default_connect_timeout() -> u64 {
        1_500
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
            region_timeout_secs: Self::default_region_timeout(),
            connect_timeout_ms: Self::default_connect_timeout(),
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

    #[test]
    fn loads_with_defaults_and_names_bad_keys() {
        let good = "listen = \"127.0.0.1:0\"\n[[regions]]\ncode = \"NWROCU\"\nendpoint = \"http://127.0.0.1:7701\"\n";
        let config = parse(good).unwrap();
        assert_eq!(config.limits.row_cap(0), 1_000_000);
        assert_eq!(config.limits.row_cap(10), 10);
        assert!(parse(&format!("{good}typo = 1\n")).unwrap_err().contains("typo"));
        let bad_region = good.replace("NWROCU", "ATLANTIS");
        assert!(parse(&bad_region).unwrap_err().starts_with("regions[0].code"));
        let bad_endpoint = good.replace("http://127.0.0.1:7701", "not a url");
        assert!(parse(&bad_endpoint).unwrap_err().starts_with("regions[0].endpoint"));
        assert!(parse("listen = \"127.0.0.1:0\"\nregions = []\n").unwrap_err().starts_with("regions:"));
    }
}
