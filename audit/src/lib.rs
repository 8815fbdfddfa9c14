//! `toex-audit`: the append-only, tamper-evident, fail-closed audit trail shared by the TOEX
//! hub and nodes (DESIGN §6, threats 93-104). Records are framed, hash-chained and group
//! committed (durable before `append` returns); Ed25519 checkpoints anchor the chain;
//! `verify` names the first problem; `search` and `reconcile` serve auditors.

pub mod checkpoint;
pub mod config;
pub mod error;
pub mod frame;
mod log;
pub mod reconcile;
pub mod record;
mod resume;
pub mod search;
pub mod segment;
pub mod storage;
pub mod verify;
mod writer;

pub use checkpoint::{
    CHECKPOINT_FILE, PUBLIC_KEY_FILE, SignedCheckpoint, load_or_generate_signing_key, load_signing_key,
    load_verifying_key,
};
pub use config::AuditConfig;
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use error::AuditError;
pub use log::{AuditLog, LogDeps, PendingCommit, Receipt};
pub use reconcile::{Mismatch, ReconcileReport, reconcile};
pub use record::{
    AuditRecord, CompletionStatus, Decision, NodeIdentity, Principal, Purpose, QueryDescription, RecordKind,
    RegionOutcome, RegionStatus, normalise_identifier,
};
pub use search::{SearchQuery, read_records, search};
pub use segment::TornTail;
pub use storage::{Clock, FileStorage, SegmentSink, Storage, SystemClock};
pub use verify::{Problem, VerifyReport, VerifyStatus, verify, verify_with_witness};
