//! The hub's server-certificate verifier for one dialled node: the chain must verify to the
//! federation CA with the serverAuth EKU, and the certificate's sole URI SAN must be that node's
//! identity (threat 25). The DNS name is deliberately not checked: identity is the SPIFFE ID, so a
//! node may move address without reissuing its certificate, and a right-CA, right-host, wrong-node
//! certificate is still refused.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::{certificate_fingerprint, identity_refusal, require_identity};

/// Accepts only a server certificate from the federation CA naming exactly one expected identity.
#[derive(Debug)]
pub struct PinnedServerVerifier {
    roots: Arc<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
    expected_identity: String,
}

impl PinnedServerVerifier {
    /// Builds a verifier trusting `roots` that accepts only `expected_identity`.
    pub fn new(roots: Arc<RootCertStore>, provider: &CryptoProvider, expected_identity: &str) -> Self {
        Self {
            roots,
            algorithms: provider.signature_verification_algorithms,
            expected_identity: expected_identity.to_owned(),
        }
    }

    /// The identity this verifier requires.
    pub fn expected_identity(&self) -> &str {
        &self.expected_identity
    }
}

impl ServerCertVerifier for PinnedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let parsed = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(&parsed, &self.roots, intermediates, now, self.algorithms.all)
            .inspect_err(|error| {
                tracing::warn!(
                    expected = %self.expected_identity,
                    fingerprint = %certificate_fingerprint(end_entity),
                    %error,
                    "node certificate refused by federation ca"
                );
            })?;
        if let Err(error) = require_identity(end_entity, &self.expected_identity) {
            tracing::warn!(%error, "node certificate refused: wrong identity");
            return Err(identity_refusal(error));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
