//! rustls client configurations: the hub's federation client (presents the hub certificate, pins the
//! dialled node's identity) and the CLI's client for the hub's caller-facing endpoint (verifies the
//! hub against the federation CA and its host name). TLS 1.3 only, ALPN `h2`, ring provider.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use thiserror::Error;

use crate::identity::{IdentityError, node_identity};
use crate::material::{MaterialError, certificates_from_pem, private_key_from_pem, read_pem_file, root_store_from_pem};
use crate::provider::{ALPN_H2, PROTOCOL_VERSIONS, ring_provider};
use crate::verify::PinnedServerVerifier;

/// Errors from building client configurations.
#[derive(Debug, Error)]
pub enum ClientConfigError {
    /// Certificates or keys could not be loaded.
    #[error(transparent)]
    Material(#[from] MaterialError),
    /// The region does not form a valid node identity.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// rustls refused the configuration (for example a key that does not match its certificate).
    #[error("cannot build tls client configuration for {what}: {reason}")]
    Rustls {
        /// Which configuration.
        what: String,
        /// What rustls reported.
        reason: String,
    },
}

/// The hub's federation credentials: the CA it trusts and the certificate and key it presents.
/// Build once at start-up; `Debug` never shows the key.
pub struct HubTls {
    roots: Arc<RootCertStore>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl fmt::Debug for HubTls {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("HubTls")
            .field("trust_anchors", &self.roots.len())
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl HubTls {
    /// Loads credentials from PEM bytes.
    pub fn from_pem(ca_pem: &[u8], hub_cert_pem: &[u8], hub_key_pem: &[u8]) -> Result<Self, ClientConfigError> {
        Self::load((ca_pem, "federation CA"), (hub_cert_pem, "hub certificate"), (hub_key_pem, "hub key"))
    }

    /// Loads credentials from PEM files; errors name the file at fault.
    pub fn from_files(ca_file: &Path, cert_file: &Path, key_file: &Path) -> Result<Self, ClientConfigError> {
        Self::load(
            (&read_pem_file(ca_file)?, &ca_file.display().to_string()),
            (&read_pem_file(cert_file)?, &cert_file.display().to_string()),
            (&read_pem_file(key_file)?, &key_file.display().to_string()),
        )
    }

    fn load(ca: (&[u8], &str), cert: (&[u8], &str), key: (&[u8], &str)) -> Result<Self, ClientConfigError> {
        let hub_tls = Self {
            roots: Arc::new(root_store_from_pem(ca.0, ca.1)?),
            chain: certificates_from_pem(cert.0, cert.1)?,
            key: private_key_from_pem(key.0, key.1)?,
        };
        // Fail at start-up, not at first dial, if the key does not match the certificate.
        hub_tls.client_config_for_identity("the hub certificate", None)?;
        Ok(hub_tls)
    }

    /// Client configuration for dialling the node of `region`: presents the hub certificate and
    /// accepts only `spiffe://toex.federation/node/<region>` from the federation CA.
    pub fn client_config_for(&self, region: &str) -> Result<Arc<ClientConfig>, ClientConfigError> {
        let identity = node_identity(region)?;
        self.client_config_for_identity(&identity, Some(&identity))
    }

    fn client_config_for_identity(
        &self,
        what: &str,
        expected_identity: Option<&str>,
    ) -> Result<Arc<ClientConfig>, ClientConfigError> {
        let provider = ring_provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(PROTOCOL_VERSIONS)
            .map_err(|error| rustls_error(what, &error))?;
        let with_verifier = match expected_identity {
            Some(identity) => builder.dangerous().with_custom_certificate_verifier(Arc::new(
                PinnedServerVerifier::new(self.roots.clone(), &provider, identity),
            )),
            None => builder.with_root_certificates(self.roots.clone()),
        };
        let mut config = with_verifier
            .with_client_auth_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|error| rustls_error(what, &error))?;
        config.alpn_protocols = vec![ALPN_H2.to_vec()];
        Ok(Arc::new(config))
    }
}

/// Hub federation client configuration for dialling `region` (see [`HubTls::client_config_for`]).
pub fn hub_client_config(
    ca_pem: &[u8],
    hub_cert_pem: &[u8],
    hub_key_pem: &[u8],
    region: &str,
) -> Result<Arc<ClientConfig>, ClientConfigError> {
    HubTls::from_pem(ca_pem, hub_cert_pem, hub_key_pem)?.client_config_for(region)
}

/// CLI configuration for the hub's caller-facing endpoint: trusts the federation CA, checks the
/// host name, presents no client certificate.
pub fn client_config_for_hub(ca_pem: &[u8]) -> Result<Arc<ClientConfig>, ClientConfigError> {
    let what = "hub public endpoint";
    let roots = root_store_from_pem(ca_pem, "federation CA")?;
    let mut config = ClientConfig::builder_with_provider(ring_provider())
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .map_err(|error| rustls_error(what, &error))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(Arc::new(config))
}

fn rustls_error(what: &str, error: &rustls::Error) -> ClientConfigError {
    ClientConfigError::Rustls { what: what.to_owned(), reason: error.to_string() }
}
