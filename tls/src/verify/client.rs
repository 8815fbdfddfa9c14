//! The node's client-certificate verifier: WebPKI chain verification to the federation CA (client
//! certificate mandatory, clientAuth EKU, validity), then the hub identity pinned by SAN URI, so a
//! node certificate or any other identity presented as a client fails the handshake (threat 26).

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, UnixTime};

use super::{VerifyError, certificate_fingerprint, identity_refusal, require_identity};

/// Requires a client certificate from the federation CA naming exactly one allowed identity.
#[derive(Debug)]
pub struct PinnedClientVerifier {
    chain: Arc<dyn ClientCertVerifier>,
    allowed_identity: String,
}

impl PinnedClientVerifier {
    /// Builds a verifier trusting `roots` (never allowing unauthenticated clients) that accepts only
    /// a certificate whose sole URI SAN is `allowed_identity`.
    pub fn new(
        roots: RootCertStore,
        provider: Arc<CryptoProvider>,
        allowed_identity: &str,
    ) -> Result<Self, VerifyError> {
        let chain = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|error| VerifyError::Build { reason: error.to_string() })?;
        Ok(Self { chain, allowed_identity: allowed_identity.to_owned() })
    }
}

impl ClientCertVerifier for PinnedClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.chain.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self.chain.verify_client_cert(end_entity, intermediates, now).inspect_err(|error| {
            tracing::warn!(
                fingerprint = %certificate_fingerprint(end_entity),
                %error,
                "client certificate refused by federation ca"
            );
        })?;
        if let Err(error) = require_identity(end_entity, &self.allowed_identity) {
            tracing::warn!(%error, "client certificate refused: wrong identity");
            return Err(identity_refusal(error));
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chain.supported_verify_schemes()
    }
}
