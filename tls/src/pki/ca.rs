//! The federation certificate authority: creating a CA key and self-signed certificate, and issuing
//! leaf certificates whose identity is a SPIFFE URI SAN with the extended key usages of their role.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use thiserror::Error;
use time::OffsetDateTime;

use crate::identity::{HUB_IDENTITY, IdentityError, node_identity};

/// Common name of the development federation CA.
pub const CA_COMMON_NAME: &str = "TOEX Federation development CA";

/// Loopback host name put in every dev certificate so local dials verify.
pub const LOOPBACK_DNS_NAME: &str = "localhost";

/// Loopback addresses put in every dev certificate.
pub const LOOPBACK_IPS: [IpAddr; 2] = [IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)];

/// Errors from creating the CA or issuing certificates.
#[derive(Debug, Error)]
pub enum CaError {
    /// The identity for the certificate is not valid.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The validity window ends before it starts.
    #[error("certificate for {subject} has a validity window that ends before it starts")]
    EmptyValidity {
        /// The certificate subject.
        subject: String,
    },
    /// rcgen refused to build the certificate.
    #[error("cannot issue certificate for {subject}: {source}")]
    Issue {
        /// The certificate subject.
        subject: String,
        /// What rcgen reported.
        source: rcgen::Error,
    },
}

/// The window in which a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// First instant the certificate is valid.
    pub not_before: SystemTime,
    /// Last instant the certificate is valid.
    pub not_after: SystemTime,
}

/// How far before "now" a fresh certificate starts to be valid, to tolerate clock skew.
pub const CLOCK_SKEW_ALLOWANCE: Duration = Duration::from_secs(5 * 60);

impl Validity {
    /// Valid from a few minutes ago (clock skew) for `lifetime` from now.
    pub fn from_now(lifetime: Duration) -> Self {
        let now = SystemTime::now();
        Self {
            not_before: now.checked_sub(CLOCK_SKEW_ALLOWANCE).unwrap_or(now),
            not_after: now.checked_add(lifetime).unwrap_or(now),
        }
    }
}

/// What a leaf certificate may be used for (its extended key usages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// TLS server (`id-kp-serverAuth`).
    Server,
    /// TLS client (`id-kp-clientAuth`).
    Client,
}

/// Everything that varies between leaf certificates.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    /// Subject common name (informational; identity is the URI SAN).
    pub common_name: String,
    /// SPIFFE identity put in the URI SAN, if any.
    pub identity: Option<String>,
    /// Extended key usages.
    pub usages: Vec<Usage>,
    /// Validity window.
    pub validity: Validity,
}

impl LeafSpec {
    /// The hub's federation certificate: client to nodes, and server for its own endpoint.
    pub fn hub(validity: Validity) -> Self {
        Self {
            common_name: "toex hub".to_owned(),
            identity: Some(HUB_IDENTITY.to_owned()),
            usages: vec![Usage::Client, Usage::Server],
            validity,
        }
    }

    /// A regional node's certificate: server only, so it cannot act as a hub client.
    pub fn node(region: &str, validity: Validity) -> Result<Self, CaError> {
        Ok(Self {
            common_name: format!("toex node {region}"),
            identity: Some(node_identity(region)?),
            usages: vec![Usage::Server],
            validity,
        })
    }

    /// The hub's caller-facing certificate: server only, host name `localhost`, no federation identity.
    pub fn hub_public(validity: Validity) -> Self {
        Self {
            common_name: "toex hub public endpoint".to_owned(),
            identity: None,
            usages: vec![Usage::Server],
            validity,
        }
    }
}

/// A certificate and its private key, both PEM. `Debug` never shows the key.
#[derive(Clone)]
pub struct IssuedCertificate {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key (PKCS#8), PEM.
    pub key_pem: String,
}

impl fmt::Debug for IssuedCertificate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("IssuedCertificate")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// A federation CA able to issue leaf certificates. `Debug` never shows the key.
pub struct FederationCa {
    issuer: Issuer<'static, KeyPair>,
    certificate: IssuedCertificate,
}

impl fmt::Debug for FederationCa {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("FederationCa").field("certificate", &self.certificate).finish_non_exhaustive()
    }
}

impl FederationCa {
    /// Creates a new CA key and self-signed CA certificate named `common_name`.
    pub fn generate(common_name: &str, validity: Validity) -> Result<Self, CaError> {
        let issue_error = |source| CaError::Issue { subject: common_name.to_owned(), source };
        let key = KeyPair::generate().map_err(issue_error)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        apply_validity(&mut params, validity, common_name)?;
        let certificate = params.self_signed(&key).map_err(issue_error)?;
        let issued = IssuedCertificate { cert_pem: certificate.pem(), key_pem: key.serialize_pem() };
        Ok(Self { issuer: Issuer::new(params, key), certificate: issued })
    }

    /// The CA certificate and key, PEM.
    pub fn certificate(&self) -> &IssuedCertificate {
        &self.certificate
    }

    /// Issues a leaf certificate with a fresh key, signed by this CA.
    pub fn issue(&self, spec: &LeafSpec) -> Result<IssuedCertificate, CaError> {
        let subject = spec.identity.clone().unwrap_or(spec.common_name.clone());
        let issue_error = |source| CaError::Issue { subject: subject.clone(), source };
        let key = KeyPair::generate().map_err(issue_error)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = distinguished_name(&spec.common_name);
        params.is_ca = IsCa::ExplicitNoCa;
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = spec
            .usages
            .iter()
            .map(|usage| match usage {
                Usage::Server => ExtendedKeyUsagePurpose::ServerAuth,
                Usage::Client => ExtendedKeyUsagePurpose::ClientAuth,
            })
            .collect();
        params.subject_alt_names = subject_alt_names(spec.identity.as_deref()).map_err(issue_error)?;
        apply_validity(&mut params, spec.validity, &subject)?;
        let certificate = params.signed_by(&key, &self.issuer).map_err(issue_error)?;
        Ok(IssuedCertificate { cert_pem: certificate.pem(), key_pem: key.serialize_pem() })
    }
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "TOEX Federation");
    name.push(DnType::CommonName, common_name);
    name
}

fn subject_alt_names(identity: Option<&str>) -> Result<Vec<SanType>, rcgen::Error> {
    let mut names = Vec::new();
    if let Some(identity) = identity {
        names.push(SanType::URI(identity.try_into()?));
    }
    names.push(SanType::DnsName(LOOPBACK_DNS_NAME.try_into()?));
    names.extend(LOOPBACK_IPS.iter().map(|ip| SanType::IpAddress(*ip)));
    Ok(names)
}

fn apply_validity(params: &mut CertificateParams, validity: Validity, subject: &str) -> Result<(), CaError> {
    if validity.not_after <= validity.not_before {
        return Err(CaError::EmptyValidity { subject: subject.to_owned() });
    }
    params.not_before = OffsetDateTime::from(validity.not_before);
    params.not_after = OffsetDateTime::from(validity.not_after);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::uri_sans;
    use crate::material::certificates_from_pem;

    const ONE_DAY: Duration = Duration::from_secs(24 * 60 * 60);

    #[test]
    fn node_certificate_carries_exactly_its_identity() {
        let ca = FederationCa::generate(CA_COMMON_NAME, Validity::from_now(ONE_DAY)).unwrap();
        let spec = LeafSpec::node("NWROCU", Validity::from_now(ONE_DAY)).unwrap();
        let issued = ca.issue(&spec).unwrap();
        let certificates = certificates_from_pem(issued.cert_pem.as_bytes(), "node").unwrap();
        let uris = uri_sans(&certificates[0]).unwrap();
        assert_eq!(uris, vec!["spiffe://toex.federation/node/NWROCU".to_owned()]);
    }

    #[test]
    fn inverted_validity_is_refused() {
        let now = SystemTime::now();
        let inverted = Validity { not_before: now, not_after: now - ONE_DAY };
        assert!(matches!(FederationCa::generate(CA_COMMON_NAME, inverted), Err(CaError::EmptyValidity { .. })));
    }

    #[test]
    fn debug_output_hides_the_key() {
        let ca = FederationCa::generate(CA_COMMON_NAME, Validity::from_now(ONE_DAY)).unwrap();
        let shown = format!("{ca:?}");
        assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    }
}
