//! The single writer thread: it takes every record waiting at that moment, frames and chains
//! them, writes them with one write and one fsync (group commit), then answers the callers.
//! Any I/O error poisons it: the failing batch and every later one are refused until a
//! deliberate `reopen`, and nothing is ever retried and assumed durable.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use ed25519_dalek::SigningKey;
use tokio::sync::{mpsc, oneshot};

use crate::checkpoint::SignedCheckpoint;
use crate::config::AuditConfig;
use crate::error::AuditError;
use crate::frame::{ChainHash, ChainedBody, chain_hash, encode_frame};
use crate::log::{Receipt, Shared};
use crate::record::AuditRecord;
use crate::resume::{open_checkpoint_sink, resume_trail};
use crate::storage::{Clock, SegmentSink, Storage};

/// A request to the writer thread.
pub(crate) enum Command {
    /// Append records that belong together, consecutively and in one commit; each caller is
    /// answered once its record is durable (or refused).
    Append { records: Vec<PendingAppend> },
    /// Resume after the log was poisoned.
    Reopen { reply: oneshot::Sender<Result<(), AuditError>> },
    /// Write a final checkpoint and stop.
    Close { reply: oneshot::Sender<Result<Option<SignedCheckpoint>, AuditError>> },
}

/// One caller waiting for its record to become durable.
pub(crate) type PendingAppend = (Box<AuditRecord>, oneshot::Sender<Result<Receipt, AuditError>>);

/// The segment currently written to.
pub(crate) struct ActiveSegment {
    pub(crate) sink: Box<dyn SegmentSink>,
    pub(crate) name: String,
    pub(crate) bytes: u64,
}

/// State owned by the writer thread.
pub(crate) struct Writer {
    pub(crate) dir: PathBuf,
    pub(crate) config: AuditConfig,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) key: SigningKey,
    pub(crate) shared: Arc<Shared>,
    pub(crate) segment: Option<ActiveSegment>,
    pub(crate) checkpoint_sink: Option<Box<dyn SegmentSink>>,
    pub(crate) next_seq: u64,
    pub(crate) last_hash: ChainHash,
    pub(crate) last_checkpointed_seq: u64,
    pub(crate) records_since_checkpoint: u64,
    pub(crate) last_checkpoint_at: Instant,
    pub(crate) poisoned: Option<String>,
}

impl Writer {
    /// Runs the writer until `close` or until every handle is dropped.
    pub(crate) fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
            Ok(runtime) => runtime,
            Err(error) => {
                self.poison(format!("cannot start the audit writer runtime: {error}"));
                return;
            }
        };
        runtime.block_on(self.command_loop(&mut commands));
    }

    /// Receives commands, batching consecutive appends, and checkpoints on the timer.
    async fn command_loop(&mut self, commands: &mut mpsc::Receiver<Command>) {
        let mut deferred: Option<Command> = None;
        loop {
            let next = match deferred.take() {
                Some(command) => Some(command),
                None => {
                    let until_due = self.config.checkpoint_interval().saturating_sub(self.last_checkpoint_at.elapsed());
                    match tokio::time::timeout(until_due, commands.recv()).await {
                        Ok(received) => received,
                        Err(_due) => {
                            self.checkpoint_if_new_records();
                            continue;
                        }
                    }
                }
            };
            let Some(command) = next else {
                self.checkpoint_if_new_records();
                tracing::info!("audit writer stopped: every handle dropped");
                return;
            };
            match command {
                Command::Append { records: mut batch } => {
                    while batch.len() < self.config.max_batch_records {
                        match commands.try_recv() {
                            Ok(Command::Append { records }) => batch.extend(records),
                            Ok(other) => {
                                deferred = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.commit_batch(batch);
                    if self.records_since_checkpoint >= self.config.checkpoint_every_records {
                        self.checkpoint_if_new_records();
                    }
                }
                Command::Reopen { reply } => {
                    let _ = reply.send(self.reopen());
                }
                Command::Close { reply } => {
                    let result = self.close();
                    let _ = reply.send(result);
                    return;
                }
            }
        }
    }

    /// Frames, writes and fsyncs a batch, then answers every caller in it.
    fn commit_batch(&mut self, batch: Vec<PendingAppend>) {
        if let Some(reason) = &self.poisoned {
            for (_, reply) in batch {
                let _ = reply.send(Err(unavailable(reason)));
            }
            return;
        }
        let mut next_seq = self.next_seq;
        let mut last_hash = self.last_hash;
        let mut buffer = Vec::new();
        let mut waiting = Vec::with_capacity(batch.len());
        for (mut record, reply) in batch {
            record.seq = next_seq;
            record.at = self.clock.now_rfc3339();
            let framed = frame_record(next_seq, &last_hash, *record);
            let (frame, hash) = match framed {
                Ok(framed) => framed,
                Err(error) => {
                    let _ = reply.send(Err(error));
                    continue;
                }
            };
            if self.needs_rotation(buffer.len() + frame.len()) {
                if let Err(reason) = self.flush(&buffer) {
                    return self.fail_batch(reason, waiting, reply);
                }
                buffer.clear();
                if let Err(reason) = self.start_segment(next_seq) {
                    return self.fail_batch(reason, waiting, reply);
                }
            }
            buffer.extend_from_slice(&frame);
            last_hash = hash;
            waiting.push((reply, Receipt::new(next_seq, &hash)));
            next_seq += 1;
        }
        if let Err(reason) = self.flush(&buffer) {
            self.poison(reason.clone());
            for (reply, _) in waiting {
                let _ = reply.send(Err(unavailable(&reason)));
            }
            return;
        }
        self.records_since_checkpoint += next_seq - self.next_seq;
        self.next_seq = next_seq;
        self.last_hash = last_hash;
        for (reply, receipt) in waiting {
            let _ = reply.send(Ok(receipt));
        }
    }

    /// Poisons the log and refuses a batch that failed part-way.
    fn fail_batch(
        &mut self,
        reason: String,
        waiting: Vec<(oneshot::Sender<Result<Receipt, AuditError>>, Receipt)>,
        current: oneshot::Sender<Result<Receipt, AuditError>>,
    ) {
        self.poison(reason.clone());
        let _ = current.send(Err(unavailable(&reason)));
        for (reply, _) in waiting {
            let _ = reply.send(Err(unavailable(&reason)));
        }
    }

    /// True when adding `pending_bytes` to a non-empty segment would pass the size limit.
    fn needs_rotation(&self, pending_bytes: usize) -> bool {
        let Some(segment) = &self.segment else {
            return false;
        };
        let written = segment.bytes + pending_bytes as u64;
        segment.bytes > 0 && written > self.config.segment_max_bytes
    }

    /// Writes and fsyncs `buffer` to the active segment. Never retried.
    fn flush(&mut self, buffer: &[u8]) -> Result<(), String> {
        if buffer.is_empty() {
            return Ok(());
        }
        let Some(segment) = self.segment.as_mut() else {
            return Err("no open audit segment".to_owned());
        };
        segment.sink.write_all(buffer).map_err(|error| format!("write to {} failed: {error}", segment.name))?;
        segment.sink.sync().map_err(|error| format!("fsync of {} failed: {error}", segment.name))?;
        segment.bytes += buffer.len() as u64;
        self.shared.fsyncs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Opens the segment whose first record is `first_seq`.
    pub(crate) fn start_segment(&mut self, first_seq: u64) -> Result<(), String> {
        self.segment = None;
        let name = crate::segment::segment_file_name(first_seq);
        let path = self.dir.join(&name);
        let bytes = std::fs::metadata(&path).map_or(0, |metadata| metadata.len());
        let sink = self.storage.open_append(&path).map_err(|error| format!("cannot open {name}: {error}"))?;
        tracing::info!(segment = %name, "audit segment started");
        self.segment = Some(ActiveSegment { sink, name, bytes });
        Ok(())
    }

    /// Signs and writes a checkpoint if records were added since the last one.
    fn checkpoint_if_new_records(&mut self) -> Option<SignedCheckpoint> {
        self.last_checkpoint_at = Instant::now();
        let last_seq = self.next_seq.checked_sub(1)?;
        if self.poisoned.is_some() || last_seq == 0 || last_seq == self.last_checkpointed_seq {
            return None;
        }
        let checkpoint =
            SignedCheckpoint::sign(&self.key, last_seq, &hex::encode(self.last_hash), &self.clock.now_rfc3339());
        if let Err(reason) = self.write_checkpoint(&checkpoint) {
            self.poison(reason);
            return None;
        }
        self.last_checkpointed_seq = last_seq;
        self.records_since_checkpoint = 0;
        *self.shared.latest_checkpoint.lock().unwrap_or_else(PoisonError::into_inner) = Some(checkpoint.clone());
        Some(checkpoint)
    }

    /// Appends one framed checkpoint to `checkpoints.log` and fsyncs it.
    fn write_checkpoint(&mut self, checkpoint: &SignedCheckpoint) -> Result<(), String> {
        let body = serde_json::to_vec(checkpoint).map_err(|error| format!("cannot encode checkpoint: {error}"))?;
        let frame = encode_frame(&body).map_err(|error| error.to_string())?;
        if self.checkpoint_sink.is_none() {
            self.checkpoint_sink = Some(open_checkpoint_sink(&self.dir, self.storage.as_ref())?);
        }
        let Some(sink) = self.checkpoint_sink.as_mut() else {
            return Err("checkpoint file not open".to_owned());
        };
        sink.write_all(&frame).map_err(|error| format!("checkpoint write failed: {error}"))?;
        sink.sync().map_err(|error| format!("checkpoint fsync failed: {error}"))?;
        self.shared.fsyncs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Marks the log unavailable. Sinks are dropped so nothing more is written to them.
    pub(crate) fn poison(&mut self, reason: String) {
        tracing::error!(reason = %reason, "audit trail unavailable; failing closed");
        self.segment = None;
        self.checkpoint_sink = None;
        self.shared.set_unavailable(Some(reason.clone()));
        self.poisoned = Some(reason);
    }

    /// Resumes a poisoned log: rescans the directory and starts a new segment that chains past
    /// whatever the failure left, with an explicit marker record.
    fn reopen(&mut self) -> Result<(), AuditError> {
        let Some(reason) = self.poisoned.take() else {
            return Ok(());
        };
        match resume_trail(self, Some(&reason)) {
            Ok(()) => {
                self.shared.set_unavailable(None);
                tracing::info!("audit trail writable again");
                Ok(())
            }
            Err(error) => {
                self.poison(format!("{reason}; reopen failed: {error}"));
                Err(error)
            }
        }
    }

    /// Writes the final checkpoint.
    fn close(&mut self) -> Result<Option<SignedCheckpoint>, AuditError> {
        if let Some(reason) = &self.poisoned {
            return Err(unavailable(reason));
        }
        let checkpoint = self.checkpoint_if_new_records();
        if let Some(reason) = &self.poisoned {
            return Err(unavailable(reason));
        }
        self.shared.set_unavailable(Some("audit log closed".to_owned()));
        Ok(checkpoint.or_else(|| self.shared.latest()))
    }

    /// Writes a single record outside the queue (the resumption marker), durably.
    pub(crate) fn write_marker(&mut self, record: AuditRecord) -> Result<(), AuditError> {
        let (reply, mut receiver) = oneshot::channel();
        self.commit_batch(vec![(Box::new(record), reply)]);
        // commit_batch answers before returning, so the reply is already there.
        match receiver.try_recv() {
            Ok(Ok(_receipt)) => Ok(()),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(unavailable("marker record was not answered")),
        }
    }
}

/// Serialises, frames and hashes one record.
fn frame_record(seq: u64, prev_hash: &ChainHash, record: AuditRecord) -> Result<(Vec<u8>, ChainHash), AuditError> {
    let body = ChainedBody { seq, prev_hash: hex::encode(prev_hash), record };
    let bytes = serde_json::to_vec(&body)
        .map_err(|error| AuditError::Unavailable { reason: format!("cannot encode record: {error}") })?;
    let frame = encode_frame(&bytes)?;
    Ok((frame, chain_hash(prev_hash, &bytes)))
}

/// The error returned to callers while the log is poisoned.
pub(crate) fn unavailable(reason: &str) -> AuditError {
    AuditError::Unavailable { reason: reason.to_owned() }
}
