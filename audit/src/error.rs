//! The one error type of the audit crate, with messages an operator can act on.

use std::path::PathBuf;

/// Everything that can go wrong when writing, opening or reading an audit trail.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The trail cannot be written: the log is poisoned after an I/O failure (or was never
    /// healthy). Callers must fail closed (gRPC `UNAVAILABLE`) and release nothing.
    #[error("audit unavailable: {reason}")]
    Unavailable {
        /// Why the trail is unavailable (the first I/O failure, verbatim).
        reason: String,
    },
    /// The log was closed; no further records are accepted.
    #[error("audit log is closed")]
    Closed,
    /// A single record serialises to more bytes than a frame may hold.
    #[error("audit record is {size} bytes, over the {limit}-byte frame limit")]
    RecordTooLarge {
        /// Serialised size of the record body.
        size: usize,
        /// The limit, [`crate::frame::MAX_FRAME_BODY_BYTES`].
        limit: usize,
    },
    /// A configuration value is invalid; the message names the key.
    #[error("audit configuration: `{key}` {reason}")]
    Config {
        /// The configuration key at fault.
        key: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A file or directory could not be read or created.
    #[error("audit i/o error on {path}: {source}")]
    Io {
        /// The path being accessed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A signing or verifying key file is malformed or does not match the trail.
    #[error("audit key {path}: {reason}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The trail's last segment is damaged in a way a crash cannot explain, so the writer
    /// will not chain onto it. Run `verify` and investigate before moving the segment aside.
    #[error("audit trail damaged in {segment} at byte {offset}: {reason}; run verify")]
    TrailDamaged {
        /// Segment file name.
        segment: String,
        /// Byte offset of the damaged frame.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
}

impl AuditError {
    /// Shorthand for an [`AuditError::Io`] on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
