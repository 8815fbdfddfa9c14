//! Certificate verifiers that pin the peer's SPIFFE identity on top of chain verification to the
//! federation CA: the node accepts only the hub as a client, and the hub accepts only the node it
//! dialled. Refusals happen inside the handshake and are logged with the certificate fingerprint.

mod client;
mod server;

use std::sync::Arc;

use rustls::{CertificateError, OtherError};
use rustls_pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::identity::uri_sans;

pub use client::PinnedClientVerifier;
pub use server::PinnedServerVerifier;

/// Errors from building verifiers or from the identity check itself.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// The peer's certificate chains to the CA but names another party (or several, or none).
    #[error("certificate {fingerprint} presents identities {presented:?}, expected exactly {expected}")]
    IdentityMismatch {
        /// The identity that was required.
        expected: String,
        /// The URI SANs the certificate carried.
        presented: Vec<String>,
        /// SHA-256 fingerprint of the certificate, `sha256:<hex>`.
        fingerprint: String,
    },
    /// The peer's certificate could not be parsed to read its identity.
    #[error("certificate {fingerprint} cannot be read: {reason}")]
    Unreadable {
        /// SHA-256 fingerprint of the certificate.
        fingerprint: String,
        /// What the parser reported.
        reason: String,
    },
    /// The WebPKI client verifier could not be built from the federation CA.
    #[error("cannot build client certificate verifier from the federation CA: {reason}")]
    Build {
        /// What rustls reported.
        reason: String,
    },
}

/// SHA-256 fingerprint of a DER certificate, `sha256:<hex>`; safe to log (certificates are public).
pub fn certificate_fingerprint(certificate: &CertificateDer<'_>) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(certificate.as_ref())))
}

/// Checks that `certificate` carries exactly one URI SAN and that it equals `expected`.
pub fn require_identity(certificate: &CertificateDer<'_>, expected: &str) -> Result<(), VerifyError> {
    let presented = uri_sans(certificate).map_err(|error| VerifyError::Unreadable {
        fingerprint: certificate_fingerprint(certificate),
        reason: error.to_string(),
    })?;
    if presented.len() == 1 && presented[0] == expected {
        return Ok(());
    }
    Err(VerifyError::IdentityMismatch {
        expected: expected.to_owned(),
        presented,
        fingerprint: certificate_fingerprint(certificate),
    })
}

/// Converts an identity refusal into the rustls error that aborts the handshake.
fn identity_refusal(error: VerifyError) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(error))))
}
