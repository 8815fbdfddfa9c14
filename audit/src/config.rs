//! Audit log configuration: a serde struct with defaults, strict keys, and a `validate()` whose
//! messages name the key at fault.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::error::AuditError;

/// Default segment size before rotation: 64 MiB.
pub const DEFAULT_SEGMENT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Smallest segment size accepted (small values are for tests of rotation).
pub const MIN_SEGMENT_MAX_BYTES: u64 = 1024;
/// Default bound on records waiting for the writer; `append` waits when it is full.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
/// Default bound on records written with one write and one fsync.
pub const DEFAULT_MAX_BATCH_RECORDS: usize = 512;
/// Default number of records between signed checkpoints.
pub const DEFAULT_CHECKPOINT_EVERY_RECORDS: u64 = 1000;
/// Default seconds between signed checkpoints when records are being written.
pub const DEFAULT_CHECKPOINT_INTERVAL_SECS: u64 = 60;

/// Configuration of one audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Directory holding the segments, `checkpoints.log` and `audit.pub`.
    pub dir: PathBuf,
    /// Segment size (bytes) at which the writer starts a new segment.
    pub segment_max_bytes: u64,
    /// Records that may wait for the writer; further `append` calls wait (backpressure).
    pub queue_capacity: usize,
    /// Most records committed with one write and one fsync.
    pub max_batch_records: usize,
    /// Records between signed checkpoints.
    pub checkpoint_every_records: u64,
    /// Seconds between signed checkpoints while records are being written.
    pub checkpoint_interval_secs: u64,
    /// Ed25519 signing key file (64 hex digits), created if absent. Keep it outside the trail
    /// directory. `None` generates an ephemeral key (development only).
    pub signing_key_file: Option<PathBuf>,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("audit"),
            segment_max_bytes: DEFAULT_SEGMENT_MAX_BYTES,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            max_batch_records: DEFAULT_MAX_BATCH_RECORDS,
            checkpoint_every_records: DEFAULT_CHECKPOINT_EVERY_RECORDS,
            checkpoint_interval_secs: DEFAULT_CHECKPOINT_INTERVAL_SECS,
            signing_key_file: None,
        }
    }
}

impl AuditConfig {
    /// The default configuration for a trail in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), ..Self::default() }
    }

    /// The checkpoint interval as a duration.
    pub fn checkpoint_interval(&self) -> Duration {
        Duration::from_secs(self.checkpoint_interval_secs)
    }

    /// Checks every value, naming the first bad key.
    pub fn validate(&self) -> Result<(), AuditError> {
        if self.segment_max_bytes < MIN_SEGMENT_MAX_BYTES {
            return Err(AuditError::Config {
                key: "segment_max_bytes",
                reason: format!("must be at least {MIN_SEGMENT_MAX_BYTES}"),
            });
        }
        if self.queue_capacity == 0 {
            return Err(positive("queue_capacity"));
        }
        if self.max_batch_records == 0 {
            return Err(positive("max_batch_records"));
        }
        if self.checkpoint_every_records == 0 {
            return Err(positive("checkpoint_every_records"));
        }
        if self.checkpoint_interval_secs == 0 {
            return Err(positive("checkpoint_interval_secs"));
        }
        Ok(())
    }
}

/// The error for a value that must be positive.
fn positive(key: &'static str) -> AuditError {
    AuditError::Config { key, reason: "must be greater than zero".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_names_the_bad_key() {
        let config = AuditConfig { max_batch_records: 0, ..AuditConfig::default() };
        let message = config.validate().unwrap_err().to_string();
        assert_eq!(message, "audit configuration: `max_batch_records` must be greater than zero");
    }
}
