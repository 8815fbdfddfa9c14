//! rustls server configurations: the node's mTLS port (client certificate mandatory, hub identity
//! only) and the hub's caller-facing endpoint (server authentication only; callers bring JWTs).
//! Both are TLS 1.3 only with ALPN `h2`, built on the ring provider.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::danger::ClientCertVerifier;
use thiserror::Error;

use crate::identity::HUB_IDENTITY;
use crate::material::{MaterialError, certificates_from_pem, private_key_from_pem, read_pem_file, root_store_from_pem};
use crate::provider::{ALPN_H2, PROTOCOL_VERSIONS, ring_provider};
use crate::verify::{PinnedClientVerifier, VerifyError};

/// Errors from building server configurations.
#[derive(Debug, Error)]
pub enum ServerConfigError {
    /// Certificates or keys could not be loaded.
    #[error(transparent)]
    Material(#[from] MaterialError),
    /// The client verifier could not be built.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// rustls refused the configuration (for example a key that does not match its certificate).
    #[error("cannot build tls server configuration from {what}: {reason}")]
    Rustls {
        /// Which certificate and key.
        what: String,
        /// What rustls reported.
        reason: String,
    },
}

/// Node mTLS configuration: TLS 1.3, ALPN `h2`, a client certificate from the federation CA is
/// required and must name exactly the hub (`spiffe://toex.federation/hub`).
pub fn node_server_config(
    ca_pem: &[u8],
    node_cert_pem: &[u8],
    node_key_pem: &[u8],
) -> Result<Arc<ServerConfig>, ServerConfigError> {
    build_node_server_config((ca_pem, "federation CA"), (node_cert_pem, "node certificate"), (node_key_pem, "node key"))
}

/// [`node_server_config`] from PEM files; errors name the file at fault.
pub fn node_server_config_from_files(
    ca_file: &Path,
    cert_file: &Path,
    key_file: &Path,
) -> Result<Arc<ServerConfig>, ServerConfigError> {
    build_node_server_config(
        (&read_pem_file(ca_file)?, &ca_file.display().to_string()),
        (&read_pem_file(cert_file)?, &cert_file.display().to_string()),
        (&read_pem_file(key_file)?, &key_file.display().to_string()),
    )
}

/// Hub caller-facing configuration: TLS 1.3, ALPN `h2`, no client certificates (callers
/// authenticate with bearer tokens).
pub fn public_server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<Arc<ServerConfig>, ServerConfigError> {
    build_server_config(None, (cert_pem, "public endpoint certificate"), (key_pem, "public endpoint key"))
}

/// [`public_server_config`] from PEM files; errors name the file at fault.
pub fn public_server_config_from_files(
    cert_file: &Path,
    key_file: &Path,
) -> Result<Arc<ServerConfig>, ServerConfigError> {
    build_server_config(
        None,
        (&read_pem_file(cert_file)?, &cert_file.display().to_string()),
        (&read_pem_file(key_file)?, &key_file.display().to_string()),
    )
}

fn build_node_server_config(
    ca: (&[u8], &str),
    cert: (&[u8], &str),
    key: (&[u8], &str),
) -> Result<Arc<ServerConfig>, ServerConfigError> {
    let roots = root_store_from_pem(ca.0, ca.1)?;
    let verifier = PinnedClientVerifier::new(roots, ring_provider(), HUB_IDENTITY)?;
    build_server_config(Some(Arc::new(verifier)), cert, key)
}

fn build_server_config(
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    cert: (&[u8], &str),
    key: (&[u8], &str),
) -> Result<Arc<ServerConfig>, ServerConfigError> {
    let chain = certificates_from_pem(cert.0, cert.1)?;
    let private_key = private_key_from_pem(key.0, key.1)?;
    let rustls_error = |error: rustls::Error| ServerConfigError::Rustls {
        what: format!("{} and {}", cert.1, key.1),
        reason: error.to_string(),
    };
    let builder = ServerConfig::builder_with_provider(ring_provider())
        .with_protocol_versions(PROTOCOL_VERSIONS)
        .map_err(rustls_error)?;
    let with_auth = match client_verifier {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let mut config = with_auth.with_single_cert(chain, private_key).map_err(rustls_error)?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(Arc::new(config))
}
