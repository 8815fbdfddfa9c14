//! Development PKI for `toex certs`: a federation CA, the hub's federation and public-endpoint
//! certificates and one certificate per regional node, written as PEM files with private keys
//! readable by the owner only.

mod ca;
mod files;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::identity::validate_region_code;

pub use ca::{
    CA_COMMON_NAME, CLOCK_SKEW_ALLOWANCE, CaError, FederationCa, IssuedCertificate, LOOPBACK_DNS_NAME, LOOPBACK_IPS,
    LeafSpec, Usage, Validity,
};
pub use files::{FilesError, write_issued};

/// Sub-directory of the output directory holding node certificates.
pub const NODES_DIR: &str = "nodes";

/// Errors from generating the development PKI.
#[derive(Debug, Error)]
pub enum PkiError {
    /// A certificate could not be issued.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// A file could not be written.
    #[error(transparent)]
    Files(#[from] FilesError),
    /// The same region was listed twice.
    #[error("region {region} is listed more than once")]
    DuplicateRegion {
        /// The repeated region code.
        region: String,
    },
}

/// Where one certificate and its key were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertKeyPaths {
    /// The certificate, PEM.
    pub cert: PathBuf,
    /// The private key, PEM, mode 0600.
    pub key: PathBuf,
}

/// Every file written by [`generate_federation_pki`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiPaths {
    /// `ca.pem` and `ca.key`.
    pub ca: CertKeyPaths,
    /// `hub.pem` and `hub.key`: identity `spiffe://toex.federation/hub`, clientAuth + serverAuth.
    pub hub: CertKeyPaths,
    /// `hub-public.pem` and `hub-public.key`: the caller-facing endpoint, serverAuth, DNS `localhost`.
    pub hub_public: CertKeyPaths,
    /// `nodes/<REGION>.pem` and `.key` by region code: identity `spiffe://toex.federation/node/<REGION>`.
    pub nodes: BTreeMap<String, CertKeyPaths>,
}

/// Writes a fresh development PKI under `out_dir` (created if missing; existing files are replaced).
pub fn generate_federation_pki(out_dir: &Path, regions: &[&str], validity: Validity) -> Result<PkiPaths, PkiError> {
    check_regions(regions)?;
    let ca = FederationCa::generate(CA_COMMON_NAME, validity)?;
    write_federation_pki(out_dir, &ca, regions, validity)
}

/// Like [`generate_federation_pki`] but with an existing CA (whose certificate and key are written
/// as `ca.pem` and `ca.key`), so the caller can issue further certificates from the same CA.
pub fn write_federation_pki(
    out_dir: &Path,
    ca: &FederationCa,
    regions: &[&str],
    validity: Validity,
) -> Result<PkiPaths, PkiError> {
    check_regions(regions)?;
    let node_specs = regions
        .iter()
        .map(|region| Ok(((*region).to_owned(), LeafSpec::node(region, validity)?)))
        .collect::<Result<Vec<_>, CaError>>()?;
    let ca_paths = write_issued(out_dir, "ca", ca.certificate())?;
    let hub_paths = write_issued(out_dir, "hub", &ca.issue(&LeafSpec::hub(validity))?)?;
    let hub_public_paths = write_issued(out_dir, "hub-public", &ca.issue(&LeafSpec::hub_public(validity))?)?;
    let nodes_dir = out_dir.join(NODES_DIR);
    let mut nodes = BTreeMap::new();
    for (region, spec) in node_specs {
        let paths = write_issued(&nodes_dir, &region, &ca.issue(&spec)?)?;
        nodes.insert(region, paths);
    }
    tracing::info!(
        out_dir = %out_dir.display(),
        nodes = nodes.len(),
        "development federation pki written"
    );
    Ok(PkiPaths { ca: ca_paths, hub: hub_paths, hub_public: hub_public_paths, nodes })
}

/// Refuses duplicate or malformed region codes before anything is generated or written.
fn check_regions(regions: &[&str]) -> Result<(), PkiError> {
    let mut seen = BTreeSet::new();
    for region in regions {
        validate_region_code(region).map_err(CaError::from)?;
        if !seen.insert(*region) {
            return Err(PkiError::DuplicateRegion { region: (*region).to_owned() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const ONE_DAY: Duration = Duration::from_secs(24 * 60 * 60);

    #[test]
    fn writes_every_file_with_private_keys() {
        let dir = tempfile::tempdir().unwrap();
        let paths = generate_federation_pki(dir.path(), &["NWROCU", "LONDON"], Validity::from_now(ONE_DAY)).unwrap();
        assert_eq!(paths.ca.cert, dir.path().join("ca.pem"));
        assert_eq!(paths.nodes["LONDON"].key, dir.path().join("nodes/LONDON.key"));
        for file in [&paths.ca.key, &paths.hub.key, &paths.hub_public.key, &paths.nodes["NWROCU"].key] {
            let text = std::fs::read_to_string(file).unwrap();
            assert!(text.contains("PRIVATE KEY"), "{}", file.display());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(file).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", file.display());
            }
        }
    }

    #[test]
    fn duplicate_and_malformed_regions_are_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let validity = Validity::from_now(ONE_DAY);
        let duplicate = generate_federation_pki(dir.path(), &["LONDON", "LONDON"], validity);
        assert!(matches!(duplicate, Err(PkiError::DuplicateRegion { .. })));
        let malformed = generate_federation_pki(dir.path(), &["../hub"], validity);
        assert!(malformed.is_err());
        assert!(!dir.path().join("ca.key").exists());
    }
}
