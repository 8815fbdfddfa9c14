//! The handle hub and node hold: `append` returns only once the record is fsynced, waits when
//! the writer's bounded queue is full, and fails closed with `Unavailable` once the trail
//! cannot be written. Cloning the handle shares the one writer.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use ed25519_dalek::{SigningKey, VerifyingKey};
use tokio::sync::{mpsc, oneshot};

use crate::checkpoint::{SignedCheckpoint, load_or_generate_signing_key, publish_verifying_key};
use crate::config::AuditConfig;
use crate::error::AuditError;
use crate::frame::{ChainHash, GENESIS_HASH};
use crate::record::AuditRecord;
use crate::resume::resume_trail;
use crate::storage::{Clock, FileStorage, Storage, SystemClock};
use crate::writer::{Command, Writer, unavailable};

/// Proof that a record is durable: its sequence number and chain hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Sequence number assigned to the record.
    pub seq: u64,
    /// Hex chain hash of the record.
    pub hash: String,
}

impl Receipt {
    /// A receipt for `seq` with chain hash `hash`.
    pub(crate) fn new(seq: u64, hash: &ChainHash) -> Self {
        Self { seq, hash: hex::encode(hash) }
    }
}

/// Records handed to the writer whose commit may still be under way (see [`AuditLog::submit`]).
/// Dropping it does not withdraw them.
#[derive(Debug)]
#[must_use = "nothing the records document may be released before `durable` succeeds"]
pub struct PendingCommit {
    answers: Vec<oneshot::Receiver<Result<Receipt, AuditError>>>,
}

impl PendingCommit {
    /// Waits until every record is durable; fails as [`AuditLog::append`] does.
    pub async fn durable(self) -> Result<Vec<Receipt>, AuditError> {
        let mut receipts = Vec::with_capacity(self.answers.len());
        for answer in self.answers {
            receipts.push(answer.await.map_err(|_| AuditError::Closed)??);
        }
        Ok(receipts)
    }
}

/// The outside world the log touches: storage, clock and checkpoint key. Tests inject faults
/// through these.
pub struct LogDeps {
    /// Opens segment and checkpoint files.
    pub storage: Arc<dyn Storage>,
    /// Annotates records and checkpoints with wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// Signs checkpoints.
    pub signing_key: SigningKey,
}

impl LogDeps {
    /// Real files, the system clock, and the key from `signing_key_file` (created if absent;
    /// an ephemeral key when unset, which only suits development).
    pub fn from_config(config: &AuditConfig) -> Result<Self, AuditError> {
        let signing_key = match &config.signing_key_file {
            Some(path) => load_or_generate_signing_key(path)?,
            None => {
                tracing::warn!("no audit signing key file configured; using an ephemeral key");
                SigningKey::from_bytes(&rand::random::<[u8; 32]>())
            }
        };
        Ok(Self { storage: Arc::new(FileStorage), clock: Arc::new(SystemClock), signing_key })
    }
}

/// State shared between the handles and the writer thread.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    healthy: AtomicBool,
    reason: Mutex<Option<String>>,
    pub(crate) latest_checkpoint: Mutex<Option<SignedCheckpoint>>,
    pub(crate) fsyncs: AtomicU64,
}

impl Shared {
    /// Marks the log unavailable for `reason`, or healthy when `None`.
    pub(crate) fn set_unavailable(&self, reason: Option<String>) {
        self.healthy.store(reason.is_none(), Ordering::SeqCst);
        *self.reason.lock().unwrap_or_else(PoisonError::into_inner) = reason;
    }

    /// The latest checkpoint written.
    pub(crate) fn latest(&self) -> Option<SignedCheckpoint> {
        self.latest_checkpoint.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// An open audit trail. Cheap to clone; all clones share one writer thread.
#[derive(Clone)]
pub struct AuditLog {
    sender: mpsc::Sender<Command>,
    shared: Arc<Shared>,
    dir: PathBuf,
    verifying_key: VerifyingKey,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AuditLog")
            .field("dir", &self.dir)
            .field("healthy", &self.is_healthy())
            .finish_non_exhaustive()
    }
}

impl AuditLog {
    /// Opens (or creates) the trail described by `config` with real files and the system clock.
    pub fn open(config: AuditConfig) -> Result<Self, AuditError> {
        let deps = LogDeps::from_config(&config)?;
        Self::open_with(config, deps)
    }

    /// Opens (or creates) a trail with injected storage, clock and key. Chains onto the
    /// existing trail; a torn final record is kept and chained past with a marker record.
    pub fn open_with(config: AuditConfig, deps: LogDeps) -> Result<Self, AuditError> {
        config.validate()?;
        std::fs::create_dir_all(&config.dir).map_err(|error| AuditError::io(&config.dir, error))?;
        let verifying_key = deps.signing_key.verifying_key();
        publish_verifying_key(&config.dir, &verifying_key)?;
        let shared = Arc::new(Shared::default());
        shared.set_unavailable(None);
        let (sender, receiver) = mpsc::channel(config.queue_capacity);
        let mut writer = Writer {
            dir: config.dir.clone(),
            config: config.clone(),
            storage: deps.storage,
            clock: deps.clock,
            key: deps.signing_key,
            shared: Arc::clone(&shared),
            segment: None,
            checkpoint_sink: None,
            next_seq: 1,
            last_hash: GENESIS_HASH,
            last_checkpointed_seq: 0,
            records_since_checkpoint: 0,
            last_checkpoint_at: Instant::now(),
            poisoned: None,
        };
        resume_trail(&mut writer, None)?;
        std::thread::Builder::new()
            .name("toex-audit-writer".to_owned())
            .spawn(move || writer.run(receiver))
            .map_err(|error| AuditError::io(&config.dir, error))?;
        Ok(Self { sender, shared, dir: config.dir, verifying_key })
    }

    /// Appends `record` and returns once it is fsynced. `seq` and `at` are assigned here.
    /// Waits while the queue is full (backpressure). Fails with `Unavailable` when the trail
    /// cannot be written: the caller must then release nothing.
    pub async fn append(&self, record: AuditRecord) -> Result<Receipt, AuditError> {
        let mut receipts = self.append_all(vec![record]).await?;
        receipts.pop().ok_or(AuditError::Closed)
    }

    /// Appends `records` consecutively, in order, with one write and one fsync, and returns once
    /// all are durable: for a step whose records belong together (a lookup's consultation and
    /// disclosure), so the caller waits for one commit instead of one per record. A batch larger
    /// than the writer's bound is still committed whole. Fails as [`Self::append`] does.
    pub async fn append_all(&self, records: Vec<AuditRecord>) -> Result<Vec<Receipt>, AuditError> {
        self.submit(records).await?.durable().await
    }

    /// Hands `records` to the writer and returns once they are queued, not once they are
    /// durable: the caller goes on with work that releases nothing (planning, reading) while
    /// they commit, and awaits [`PendingCommit::durable`] before it releases anything. The
    /// trail is one ordered log that refuses everything after a failed write, so any record
    /// appended later is durable only if these are. Waits while the queue is full.
    pub async fn submit(&self, records: Vec<AuditRecord>) -> Result<PendingCommit, AuditError> {
        self.ensure_writable()?;
        let mut answers = Vec::with_capacity(records.len());
        let mut pending = Vec::with_capacity(records.len());
        for record in records {
            let (reply, answer) = oneshot::channel();
            pending.push((Box::new(record), reply));
            answers.push(answer);
        }
        self.sender.send(Command::Append { records: pending }).await.map_err(|_| AuditError::Closed)?;
        Ok(PendingCommit { answers })
    }

    /// Fails with `Unavailable` when the trail is known not to be writable now, so a caller can
    /// refuse before it does any work whose record could not be kept.
    pub fn ensure_writable(&self) -> Result<(), AuditError> {
        if self.is_healthy() { Ok(()) } else { Err(self.unavailable_error()) }
    }

    /// True while records can be written (report `SERVING` only then).
    pub fn is_healthy(&self) -> bool {
        self.shared.healthy.load(Ordering::SeqCst)
    }

    /// Why the log is unavailable, if it is.
    pub fn unavailable_reason(&self) -> Option<String> {
        self.shared.reason.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Resumes a poisoned log after the operator fixed the cause: starts a new segment chained
    /// to the last durable record, with a `TrailResumed` marker. A no-op when healthy.
    pub async fn reopen(&self) -> Result<(), AuditError> {
        let (reply, answer) = oneshot::channel();
        self.sender.send(Command::Reopen { reply }).await.map_err(|_| AuditError::Closed)?;
        answer.await.map_err(|_| AuditError::Closed)?
    }

    /// Writes a final signed checkpoint and stops the writer; later appends fail with
    /// `Closed` or `Unavailable`. Returns the latest checkpoint, to hand to a witness.
    pub async fn close(&self) -> Result<Option<SignedCheckpoint>, AuditError> {
        let (reply, answer) = oneshot::channel();
        self.sender.send(Command::Close { reply }).await.map_err(|_| AuditError::Closed)?;
        answer.await.map_err(|_| AuditError::Closed)?
    }

    /// Appends (of one or more records each) waiting for the writer now (never more than
    /// [`Self::queue_capacity`]).
    pub fn queued(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }

    /// The bound on waiting appends.
    pub fn queue_capacity(&self) -> usize {
        self.sender.max_capacity()
    }

    /// Number of fsyncs performed (segments and checkpoints), for metrics.
    pub fn fsync_count(&self) -> u64 {
        self.shared.fsyncs.load(Ordering::Relaxed)
    }

    /// The public key checkpoints are signed with. Give it to witnesses and verifiers.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.verifying_key
    }

    /// The latest signed checkpoint, to hand to an independent witness (threat 93).
    pub fn latest_checkpoint(&self) -> Option<SignedCheckpoint> {
        self.shared.latest()
    }

    /// The trail directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The error returned while the log is unavailable.
    fn unavailable_error(&self) -> AuditError {
        unavailable(&self.unavailable_reason().unwrap_or_else(|| "audit log unavailable".to_owned()))
    }
}
