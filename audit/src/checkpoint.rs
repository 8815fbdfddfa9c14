//! Ed25519-signed checkpoints `{seq, chain hash, time}` and the keys that sign and verify them.
//! A checkpoint anchors the chain: a truncation back past it, or a re-chained forgery, is
//! detectable by anyone holding the public key independently of the trail (threats 93, 96).

use std::fs;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::error::AuditError;
use crate::frame::{FrameCursor, FrameRead};

/// File, in the trail directory, holding the framed signed checkpoints.
pub const CHECKPOINT_FILE: &str = "checkpoints.log";

/// File, in the trail directory, holding the hex public key for convenience. A verifier that
/// takes the key from here cannot detect a forgery that replaced the whole directory.
pub const PUBLIC_KEY_FILE: &str = "audit.pub";

/// Domain separation prefix of the signed message, so the signature means nothing elsewhere.
const SIGNATURE_CONTEXT: &str = "toex-audit-checkpoint-v1";

/// A signed statement that record `seq` of the trail has chain hash `chain_hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    /// Sequence number of the last record covered.
    pub seq: u64,
    /// Hex chain hash of that record.
    pub chain_hash: String,
    /// Wall-clock time of signing (annotation only).
    pub at: String,
    /// Hex Ed25519 signature over the message built by `signed_message`.
    pub signature: String,
}

impl SignedCheckpoint {
    /// Signs a checkpoint for `seq` / `chain_hash` at time `at`.
    pub fn sign(key: &SigningKey, seq: u64, chain_hash: &str, at: &str) -> Self {
        let signature = key.sign(signed_message(seq, chain_hash, at).as_bytes());
        Self { seq, chain_hash: chain_hash.to_owned(), at: at.to_owned(), signature: hex::encode(signature.to_bytes()) }
    }

    /// True when the signature is valid for `key`.
    pub fn verify(&self, key: &VerifyingKey) -> bool {
        let Ok(signature_bytes) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&signature_bytes) else {
            return false;
        };
        let message = signed_message(self.seq, &self.chain_hash, &self.at);
        key.verify(message.as_bytes(), &signature).is_ok()
    }
}

/// The exact bytes that are signed.
fn signed_message(seq: u64, chain_hash: &str, at: &str) -> String {
    format!("{SIGNATURE_CONTEXT}\n{seq}\n{chain_hash}\n{at}")
}

/// Checkpoints read from a checkpoint file.
#[derive(Debug, Default)]
pub struct CheckpointFile {
    /// The checkpoints, in file order.
    pub checkpoints: Vec<SignedCheckpoint>,
    /// Byte offset of a torn final checkpoint frame (a crash mid-write), if any.
    pub torn_at: Option<u64>,
    /// Byte offset and reason of the first damaged frame, if any (reading stops there).
    pub damaged: Option<(u64, String)>,
}

/// Reads `checkpoints.log` in `dir`. A missing file is an empty list.
pub fn read_checkpoints(dir: &Path) -> Result<CheckpointFile, AuditError> {
    let path = dir.join(CHECKPOINT_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(CheckpointFile::default());
        }
        Err(error) => return Err(AuditError::io(path, error)),
    };
    Ok(parse_checkpoints(&bytes))
}

/// Parses framed checkpoints from the bytes of a checkpoint file.
fn parse_checkpoints(bytes: &[u8]) -> CheckpointFile {
    let mut file = CheckpointFile::default();
    let mut cursor = FrameCursor::new(bytes);
    loop {
        match cursor.next_frame() {
            FrameRead::Frame { offset, body } => match serde_json::from_slice(body) {
                Ok(checkpoint) => file.checkpoints.push(checkpoint),
                Err(error) => {
                    file.damaged = Some((offset as u64, format!("unreadable checkpoint: {error}")));
                    return file;
                }
            },
            FrameRead::End => return file,
            FrameRead::Torn { offset, .. } => {
                file.torn_at = Some(offset as u64);
                return file;
            }
            FrameRead::Corrupt { offset, reason } => {
                file.damaged = Some((offset as u64, reason));
                return file;
            }
        }
    }
}

/// Loads a signing key from `path` (64 hex digits), or generates one and writes it there with
/// owner-only permissions if the file does not exist.
pub fn load_or_generate_signing_key(path: &Path) -> Result<SigningKey, AuditError> {
    if path.exists() {
        return load_signing_key(path);
    }
    let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| AuditError::io(parent, error))?;
    }
    write_private(path, &hex::encode(key.to_bytes()))?;
    tracing::info!(path = %path.display(), "generated audit checkpoint signing key");
    Ok(key)
}

/// Loads a signing key from a file holding 64 hex digits.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, AuditError> {
    let bytes = read_hex_key(path)?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Loads a verifying (public) key from a file holding 64 hex digits.
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey, AuditError> {
    let bytes = read_hex_key(path)?;
    VerifyingKey::from_bytes(&bytes).map_err(|error| AuditError::Key {
        path: path.to_path_buf(),
        reason: format!("not an Ed25519 public key: {error}"),
    })
}

/// Hex encoding of a public key, as written to [`PUBLIC_KEY_FILE`].
pub fn encode_verifying_key(key: &VerifyingKey) -> String {
    hex::encode(key.to_bytes())
}

/// Writes the public key beside the trail, refusing to replace a different one (the old
/// checkpoints would no longer verify).
pub(crate) fn publish_verifying_key(dir: &Path, key: &VerifyingKey) -> Result<(), AuditError> {
    let path = dir.join(PUBLIC_KEY_FILE);
    if path.exists() {
        let existing = load_verifying_key(&path)?;
        if existing != *key {
            return Err(AuditError::Key {
                path,
                reason: "the trail was signed with a different key; rotate keys deliberately".to_owned(),
            });
        }
        return Ok(());
    }
    fs::write(&path, format!("{}\n", encode_verifying_key(key))).map_err(|error| AuditError::io(path, error))
}

/// Reads a 32-byte key stored as hex.
fn read_hex_key(path: &Path) -> Result<[u8; 32], AuditError> {
    let text = fs::read_to_string(path).map_err(|error| AuditError::io(path, error))?;
    let bytes = hex::decode(text.trim())
        .map_err(|error| AuditError::Key { path: path.to_path_buf(), reason: format!("not hex: {error}") })?;
    bytes.try_into().map_err(|bytes: Vec<u8>| AuditError::Key {
        path: path.to_path_buf(),
        reason: format!("expected 32 bytes, found {}", bytes.len()),
    })
}

/// Writes a secret file readable by its owner only.
fn write_private(path: &Path, contents: &str) -> Result<(), AuditError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|error| AuditError::io(PathBuf::from(path), error))?;
    std::io::Write::write_all(&mut file, contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| AuditError::io(path, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_binds_every_field() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let checkpoint = SignedCheckpoint::sign(&key, 5, "ab", "2025-01-01T00:00:00Z");
        assert!(checkpoint.verify(&key.verifying_key()));
        let moved = SignedCheckpoint { seq: 6, ..checkpoint.clone() };
        assert!(!moved.verify(&key.verifying_key()));
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(!checkpoint.verify(&other.verifying_key()));
    }

    #[test]
    fn generated_key_is_reloaded_identically() {
        let dir = tempfile::tempdir().unwrap();
        // A directory that does not exist yet, as on a node's first start.
        let path = dir.path().join("hub").join("audit.key");
        let generated = load_or_generate_signing_key(&path).unwrap();
        let reloaded = load_or_generate_signing_key(&path).unwrap();
        assert_eq!(generated.to_bytes(), reloaded.to_bytes());
    }
}
