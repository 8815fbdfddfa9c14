//! Federation identities: the SPIFFE URIs that name the hub and each regional node, and the reading
//! of those URIs out of a certificate's subject alternative names. Identity is pinned by SAN URI, not
//! by CA alone, so a valid certificate for the wrong party is still refused (threats 25 and 26).

use rustls_pki_types::CertificateDer;
use thiserror::Error;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The SPIFFE trust domain shared by every party in the federation.
pub const TRUST_DOMAIN: &str = "toex.federation";

/// The identity the hub presents as a client to every node.
pub const HUB_IDENTITY: &str = "spiffe://toex.federation/hub";

/// Prefix of a node identity; the region code follows.
pub const NODE_IDENTITY_PREFIX: &str = "spiffe://toex.federation/node/";

/// Longest region code accepted in an identity.
pub const MAX_REGION_CODE_LEN: usize = 32;

/// Errors from building or reading identities.
#[derive(Debug, Error)]
pub enum IdentityError {
    /// The region code cannot be part of an identity.
    #[error(
        "region code {region:?} is not valid in a node identity: use 1 to {MAX_REGION_CODE_LEN} characters A-Z, 0-9 or _"
    )]
    InvalidRegion {
        /// The region code as given.
        region: String,
    },
    /// The certificate could not be parsed as X.509.
    #[error("peer certificate is not valid X.509: {reason}")]
    UnparsableCertificate {
        /// What the parser reported.
        reason: String,
    },
}

/// Returns the identity of the node for `region`, e.g. `spiffe://toex.federation/node/NWROCU`.
pub fn node_identity(region: &str) -> Result<String, IdentityError> {
    validate_region_code(region)?;
    Ok(format!("{NODE_IDENTITY_PREFIX}{region}"))
}

/// Checks that a region code is non-empty, short, and made of `A-Z`, `0-9` and `_` only.
pub fn validate_region_code(region: &str) -> Result<(), IdentityError> {
    let well_formed = !region.is_empty()
        && region.len() <= MAX_REGION_CODE_LEN
        && region.bytes().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_');
    if !well_formed {
        return Err(IdentityError::InvalidRegion { region: region.to_owned() });
    }
    Ok(())
}

/// Returns every URI subject alternative name of a DER certificate, in certificate order.
pub fn uri_sans(certificate: &CertificateDer<'_>) -> Result<Vec<String>, IdentityError> {
    let (_, parsed) = X509Certificate::from_der(certificate.as_ref())
        .map_err(|error| IdentityError::UnparsableCertificate { reason: error.to_string() })?;
    let san = parsed
        .subject_alternative_name()
        .map_err(|error| IdentityError::UnparsableCertificate { reason: error.to_string() })?;
    let Some(san) = san else {
        return Ok(Vec::new());
    };
    let uris = san
        .value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::URI(uri) => Some((*uri).to_owned()),
            _ => None,
        })
        .collect();
    Ok(uris)
}

/// Returns the single SPIFFE identity of a certificate, or `None` when it carries no URI SAN or
/// more than one (a certificate naming two parties identifies neither).
pub fn sole_identity(certificate: &CertificateDer<'_>) -> Result<Option<String>, IdentityError> {
    let mut uris = uri_sans(certificate)?;
    if uris.len() != 1 {
        return Ok(None);
    }
    Ok(uris.pop())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_identity_names_the_region() {
        let identity = node_identity("NWROCU").unwrap();
        assert_eq!(identity, "spiffe://toex.federation/node/NWROCU");
    }

    #[test]
    fn region_codes_that_could_forge_a_path_are_refused() {
        for bad in ["", "nwrocu", "NW/../hub", "NW ROCU", "A".repeat(33).as_str()] {
            assert!(node_identity(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        let garbage = CertificateDer::from(vec![0x30, 0x03, 0x01, 0x02, 0x03]);
        assert!(uri_sans(&garbage).is_err());
    }
}
