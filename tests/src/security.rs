//! The security material of a local federation (the demo, the tests, the benchmarks): a fresh
//! development PKI, the dev token issuer's keys and the hub's delegation keys in one directory,
//! the node and hub configurations that use them (mutual TLS, verified tokens, signed
//! delegation: no dev mode), and dev tokens for any role.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toex_audit::AuditConfig;
use toex_broker::HubConfig;
use toex_broker::config::{HubLimits, RegionEndpoint};
use toex_node::NodeConfig;
use toex_node::config::NodeLimits;
use toex_security::dev::{
    DEV_AUDIENCE, DEV_ISSUER, DelegationKeyFiles, DevSigningKey, DevTokenRequest, IssuerKeyFiles, dev_auth_config,
    generate_delegation_keys, generate_issuer_keys, mint_token,
};
use toex_tls::{
    LinkTlsConfig, LinkTlsMode, PkiPaths, PublicTlsConfig, PublicTlsMode, Validity, generate_federation_pki,
};

/// How long local certificates are valid.
pub const LOCAL_CERTIFICATE_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Sub-directory holding the PKI.
pub const PKI_DIR: &str = "pki";
/// Sub-directory holding the issuer and delegation keys.
pub const KEYS_DIR: &str = "keys";
/// Sub-directory holding the audit trails, one directory per party.
pub const AUDIT_DIR: &str = "audit";
/// The hub's party name for its audit trail.
pub const HUB_AUDIT: &str = "hub";

/// Who a dev token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpec {
    /// `sub`.
    pub subject: String,
    /// `roles`.
    pub roles: Vec<String>,
    /// `home_region`, if any.
    pub home_region: Option<String>,
    /// `clearance`, if any.
    pub clearance: Option<String>,
    /// Time to `exp`.
    pub lifetime: Duration,
}

impl TokenSpec {
    /// A person with one role, a home region and a clearance, valid for an hour.
    pub fn person(role: &str, home_region: Option<&str>, clearance: &str) -> Self {
        Self {
            subject: format!("{role}-{}", home_region.unwrap_or("national").to_ascii_lowercase()),
            roles: vec![role.to_owned()],
            home_region: home_region.map(str::to_owned),
            clearance: Some(clearance.to_owned()),
            lifetime: Duration::from_secs(60 * 60),
        }
    }
}

/// Every key and certificate of one local federation.
#[derive(Debug, Clone)]
pub struct LocalSecurity {
    /// The directory holding everything.
    pub dir: PathBuf,
    /// Certificates and keys.
    pub pki: PkiPaths,
    /// The dev token issuer's keys.
    pub issuer: IssuerKeyFiles,
    /// The hub's delegation keys.
    pub delegation: DelegationKeyFiles,
}

impl LocalSecurity {
    /// Generates fresh material for `regions` under `dir` (replacing what was there).
    pub fn generate(dir: &Path, regions: &[&str]) -> anyhow::Result<Self> {
        let pki = generate_federation_pki(&dir.join(PKI_DIR), regions, Validity::from_now(LOCAL_CERTIFICATE_LIFETIME))?;
        let keys = dir.join(KEYS_DIR);
        let issuer = generate_issuer_keys(&keys)?;
        let delegation = generate_delegation_keys(&keys)?;
        Ok(Self { dir: dir.to_owned(), pki, issuer, delegation })
    }

    /// The federation CA certificate, PEM, as a client needs it to trust the hub.
    pub fn ca_pem(&self) -> anyhow::Result<Vec<u8>> {
        Ok(std::fs::read(&self.pki.ca.cert)?)
    }

    /// A node configuration for `region` serving `data_dir` on `listen`, with mutual TLS.
    pub fn node_config(&self, region: &str, data_dir: PathBuf, listen: SocketAddr) -> anyhow::Result<NodeConfig> {
        let node = self.pki.nodes.get(region).ok_or_else(|| anyhow::anyhow!("no certificate for {region}"))?;
        Ok(NodeConfig {
            region: region.to_owned(),
            listen,
            metrics_listen: None,
            data_dir,
            contact_point: format!("{region} intelligence desk"),
            datasets: Vec::new(),
            limits: NodeLimits::default(),
            dev_mode: false,
            reflection: None,
            tls: LinkTlsConfig {
                mode: LinkTlsMode::Mtls,
                ca_file: Some(self.pki.ca.cert.clone()),
                cert_file: Some(node.cert.clone()),
                key_file: Some(node.key.clone()),
                handshake_timeout_ms: 5_000,
            },
            hub_delegation_key_file: self.delegation.public_key.clone(),
            policy: None,
            audit: self.audit_config(region),
        })
    }

    /// The audit trail of `party` (`hub` or a region code), under this directory.
    pub fn audit_config(&self, party: &str) -> AuditConfig {
        AuditConfig {
            signing_key_file: Some(self.dir.join(KEYS_DIR).join(format!("audit-{party}.key"))),
            ..AuditConfig::in_dir(self.audit_dir(party))
        }
    }

    /// Where the audit trail of `party` (`hub` or a region code) lives.
    pub fn audit_dir(&self, party: &str) -> PathBuf {
        self.dir.join(AUDIT_DIR).join(party)
    }

    /// A hub configuration over `regions` (code, `https://` endpoint), listening on `listen`.
    pub fn hub_config(&self, listen: SocketAddr, regions: Vec<RegionEndpoint>, limits: HubLimits) -> HubConfig {
        HubConfig {
            listen,
            metrics_listen: None,
            regions,
            discovery_interval_secs: 3600,
            limits,
            dev_mode: false,
            reflection: None,
            auth: dev_auth_config(&self.issuer),
            public_tls: PublicTlsConfig {
                mode: PublicTlsMode::Tls,
                cert_file: Some(self.pki.hub_public.cert.clone()),
                key_file: Some(self.pki.hub_public.key.clone()),
            },
            node_tls: LinkTlsConfig {
                mode: LinkTlsMode::Mtls,
                ca_file: Some(self.pki.ca.cert.clone()),
                cert_file: Some(self.pki.hub.cert.clone()),
                key_file: Some(self.pki.hub.key.clone()),
                handshake_timeout_ms: 5_000,
            },
            delegation_key_file: self.delegation.signing_key.clone(),
            policy: None,
            audit: self.audit_config(HUB_AUDIT),
        }
    }

    /// A dev access token for `spec`, signed by this federation's dev issuer.
    pub fn token(&self, spec: &TokenSpec) -> anyhow::Result<String> {
        let key = DevSigningKey::from_file(&self.issuer.signing_key)?;
        let request = DevTokenRequest {
            subject: spec.subject.clone(),
            name: None,
            home_region: spec.home_region.clone(),
            roles: spec.roles.clone(),
            clearance: spec.clearance.clone(),
            issuer: DEV_ISSUER.to_owned(),
            audience: DEV_AUDIENCE.to_owned(),
            lifetime: spec.lifetime,
        };
        Ok(mint_token(&key, &request)?)
    }
}
