//! Certificate and key material: parsing PEM bytes into rustls types and reading PEM files, with
//! errors that name the file or the material at fault. Key bytes are never logged or echoed.

use std::path::{Path, PathBuf};

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use thiserror::Error;

/// Errors from loading certificates and keys.
#[derive(Debug, Error)]
pub enum MaterialError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// The PEM holding certificates is malformed.
    #[error("{what} is not valid PEM certificate data: {reason}")]
    BadCertificates {
        /// Which material (a file path or a role such as "federation CA").
        what: String,
        /// What the parser reported.
        reason: String,
    },
    /// The PEM holds no certificate at all.
    #[error("{what} contains no certificate")]
    NoCertificate {
        /// Which material.
        what: String,
    },
    /// The PEM holds no usable private key (the key content is never shown).
    #[error("{what} contains no usable private key")]
    BadKey {
        /// Which material.
        what: String,
    },
    /// A CA certificate was refused as a trust anchor.
    #[error("{what} cannot be used as a trust anchor: {reason}")]
    BadTrustAnchor {
        /// Which material.
        what: String,
        /// What rustls reported.
        reason: String,
    },
}

/// Parses every certificate in `pem`; `what` names the material in errors.
pub fn certificates_from_pem(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, MaterialError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| MaterialError::BadCertificates { what: what.to_owned(), reason: error.to_string() })?;
    if certificates.is_empty() {
        return Err(MaterialError::NoCertificate { what: what.to_owned() });
    }
    Ok(certificates)
}

/// Parses the first private key (PKCS#8, SEC1 or PKCS#1) in `pem`; `what` names it in errors.
pub fn private_key_from_pem(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, MaterialError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|_| MaterialError::BadKey { what: what.to_owned() })
}

/// Builds a root store holding every certificate of the CA PEM; `what` names it in errors.
pub fn root_store_from_pem(pem: &[u8], what: &str) -> Result<RootCertStore, MaterialError> {
    let mut roots = RootCertStore::empty();
    for certificate in certificates_from_pem(pem, what)? {
        roots
            .add(certificate)
            .map_err(|error| MaterialError::BadTrustAnchor { what: what.to_owned(), reason: error.to_string() })?;
    }
    Ok(roots)
}

/// Reads a whole PEM file, naming the file if it cannot be read.
pub fn read_pem_file(path: &Path) -> Result<Vec<u8>, MaterialError> {
    std::fs::read(path).map_err(|source| MaterialError::Read { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_pem_names_the_material() {
        let error = certificates_from_pem(b"", "ca.pem").unwrap_err();
        assert!(error.to_string().contains("ca.pem"), "{error}");
    }

    #[test]
    fn missing_key_names_the_material_without_content() {
        let error = private_key_from_pem(b"not a key", "hub.key").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("hub.key"), "{message}");
        assert!(!message.contains("not a key"), "{message}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let error = read_pem_file(Path::new("/nonexistent/toex/ca.pem")).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/toex/ca.pem"));
    }
}
