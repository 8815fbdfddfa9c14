//! Writing issued certificates to disk: the certificate world-readable, the key owner-only (0600),
//! with errors naming the file.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{CertKeyPaths, IssuedCertificate};

/// File mode for private keys.
pub const KEY_FILE_MODE: u32 = 0o600;

/// File mode for certificates.
pub const CERT_FILE_MODE: u32 = 0o644;

/// Errors from writing PKI files.
#[derive(Debug, Error)]
pub enum FilesError {
    /// A directory could not be created.
    #[error("cannot create directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        source: std::io::Error,
    },
}

/// Writes `<dir>/<stem>.pem` and `<dir>/<stem>.key` (mode 0600), creating `dir` if needed.
pub fn write_issued(dir: &Path, stem: &str, issued: &IssuedCertificate) -> Result<CertKeyPaths, FilesError> {
    std::fs::create_dir_all(dir).map_err(|source| FilesError::CreateDir { path: dir.to_path_buf(), source })?;
    let cert = dir.join(format!("{stem}.pem"));
    let key = dir.join(format!("{stem}.key"));
    write_with_mode(&cert, issued.cert_pem.as_bytes(), CERT_FILE_MODE)?;
    write_with_mode(&key, issued.key_pem.as_bytes(), KEY_FILE_MODE)?;
    Ok(CertKeyPaths { cert, key })
}

fn write_with_mode(path: &Path, contents: &[u8], mode: u32) -> Result<(), FilesError> {
    let write_error = |source| FilesError::Write { path: path.to_path_buf(), source };
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    let mut file = options.open(path).map_err(write_error)?;
    // An existing file keeps its old mode on open; narrow it before any secret is written.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode)).map_err(write_error)?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(contents).map_err(write_error)?;
    file.sync_all().map_err(write_error)
}
