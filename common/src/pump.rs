//! Drives a DataFusion result stream into a bounded gRPC response channel as Arrow IPC chunks.
//!
//! Used by the node (to the hub) and the hub (to the caller). The channel is bounded, so a slow
//! reader applies backpressure all the way to execution; when the reader goes away the
//! execution stream is dropped at once, which cancels the DataFusion work behind it. Every batch
//! passes a [`ReleaseGate`] (the audit-before-disclose hook) before any byte of it is sent.

use arrow::array::RecordBatch;
use arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::ipc::IpcEncoder;
use crate::release::{ReleaseGate, ReleaseRefused};

/// How many encoded messages may wait in a response channel before execution pauses.
pub const RESPONSE_CHANNEL_DEPTH: usize = 4;

/// Where a pump stops early: after so many rows, or before the encoded answer passes so many
/// bytes (estimated per batch from its in-memory size, which is never below its encoded size
/// by more than the IPC padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub rows: u64,
    pub bytes: u64,
}

impl Caps {
    /// No cap at all.
    pub const NONE: Self = Self { rows: u64::MAX, bytes: u64::MAX };
}

/// What a finished pump sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PumpOutcome {
    /// Rows sent.
    pub rows: u64,
    /// Encoded bytes of the batches sent.
    pub bytes: u64,
    /// True when a cap stopped the stream early.
    pub truncated: bool,
}

/// Why a pump stopped before the end of its stream.
#[derive(Debug, thiserror::Error)]
pub enum PumpError {
    /// The reader dropped the response (client cancelled or disconnected).
    #[error("the reader went away")]
    ReaderGone,
    /// Execution failed.
    #[error(transparent)]
    Execution(#[from] DataFusionError),
    /// Encoding a batch failed.
    #[error("encoding the result failed: {0}")]
    Encode(#[from] arrow::error::ArrowError),
    /// The release gate refused a batch (the audit trail could not record it).
    #[error("release refused: {0}")]
    Refused(#[from] ReleaseRefused),
}

/// One encoded piece of the stream, handed to `wrap` to become a response message.
pub enum Chunk {
    /// The IPC schema header (always first).
    Schema(Vec<u8>),
    /// One or more encoded record batches.
    Batch(Vec<u8>),
}

/// Sends `stream` through `sender` as IPC chunks, stopping early at `caps`. Each batch is
/// admitted by `gate` before it is sent, and only what is sent is admitted.
///
/// One batch is held back until the next arrives (or the stream ends), so the gate learns which
/// batch is the last and may record the end of the answer with that batch's disclosure: one
/// commit instead of two for an answer of one batch. The schema header goes out just before
/// the first batch (or, for an answer with no rows, after [`ReleaseGate::admit_end`]), so no
/// byte leaves before the gate has admitted something.
pub async fn pump<M, E>(
    mut stream: SendableRecordBatchStream,
    caps: Caps,
    sender: &mpsc::Sender<Result<M, E>>,
    wrap: impl Fn(Chunk) -> M,
    gate: &mut impl ReleaseGate,
) -> Result<PumpOutcome, PumpError> {
    let (mut encoder, header) = IpcEncoder::new(&stream.schema())?;
    let mut out = Outbox { sender, wrap, header: Some(header) };
    // Counts the held batch too: it is sent unless the pump fails.
    let mut outcome = PumpOutcome::default();
    let mut held: Option<Held> = None;
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            () = sender.closed() => return Err(PumpError::ReaderGone),
        };
        let Some(mut batch) = next.transpose()? else {
            match held {
                Some(last) => out.release(last, Some(&outcome), gate).await?,
                None => {
                    gate.admit_end(&outcome).await?;
                    out.send_header().await?;
                }
            }
            return Ok(outcome);
        };
        if batch.num_rows() == 0 {
            continue;
        }
        let room = rows_within(&batch, caps, &outcome)?;
        if room < batch.num_rows() {
            batch = batch.slice(0, room);
            outcome.truncated = true;
        }
        // The batch is encoded while the one before it is admitted (its disclosure made
        // durable) and sent.
        let previous = held.take();
        let release = async {
            match previous {
                Some(previous) => out.release(previous, None, gate).await,
                None => Ok(()),
            }
        };
        let encode = async { encoder.encode(&batch) };
        let (released, encoded) = futures::join!(release, encode);
        released?;
        let chunks = encoded?;
        outcome.rows += batch.num_rows() as u64;
        outcome.bytes += chunks.iter().map(|chunk| chunk.len() as u64).sum::<u64>();
        let current = Held { batch, chunks };
        if outcome.truncated {
            out.release(current, Some(&outcome), gate).await?;
            return Ok(outcome);
        }
        held = Some(current);
    }
}

/// A batch encoded and waiting to be admitted and sent.
struct Held {
    batch: RecordBatch,
    chunks: Vec<Vec<u8>>,
}

/// The sending side of a pump: the schema header goes out once, before the first batch.
struct Outbox<'a, M, E, W> {
    sender: &'a mpsc::Sender<Result<M, E>>,
    wrap: W,
    header: Option<Vec<u8>>,
}

impl<M, E, W: Fn(Chunk) -> M> Outbox<'_, M, E, W> {
    /// Admits `held` (as the answer's last batch when `end` is its account), then sends it.
    async fn release(
        &mut self,
        held: Held,
        end: Option<&PumpOutcome>,
        gate: &mut impl ReleaseGate,
    ) -> Result<(), PumpError> {
        match end {
            Some(end) if held.batch.num_rows() == 0 => gate.admit_end(end).await?,
            _ => gate.admit(&held.batch, end).await?,
        }
        self.send_header().await?;
        for chunk in held.chunks {
            send(self.sender, (self.wrap)(Chunk::Batch(chunk))).await?;
        }
        Ok(())
    }

    /// Sends the schema header unless it was sent already.
    async fn send_header(&mut self) -> Result<(), PumpError> {
        match self.header.take() {
            Some(header) => send(self.sender, (self.wrap)(Chunk::Schema(header))).await,
            None => Ok(()),
        }
    }
}

/// How many of `batch`'s leading rows fit in what `caps` leave after `sent`. Far from the byte
/// cap the in-memory size is a safe bound; near it the encoding is measured exactly.
fn rows_within(batch: &RecordBatch, caps: Caps, sent: &PumpOutcome) -> Result<usize, ArrowError> {
    let rows = batch.num_rows();
    let by_rows = usize::try_from(caps.rows.saturating_sub(sent.rows)).unwrap_or(usize::MAX).min(rows);
    let bytes_left = caps.bytes.saturating_sub(sent.bytes);
    let clearly_fits = (batch.get_array_memory_size() as u64).saturating_mul(2).saturating_add(FAR_FROM_CAP);
    if by_rows == 0 || clearly_fits <= bytes_left {
        return Ok(by_rows);
    }
    let mut fit = by_rows;
    loop {
        let size = encoded_size(&batch.slice(0, fit))?;
        if size <= bytes_left || fit == 0 {
            return Ok(fit);
        }
        // Scale down to the average row size, then a tenth more each round.
        let scaled = (fit as u64).saturating_mul(bytes_left) / size.max(1);
        fit = usize::try_from(scaled).unwrap_or(fit).min(fit - 1).min(fit * 9 / 10);
    }
}

/// Bytes of headroom beyond twice a batch's in-memory size under which its encoding is measured.
const FAR_FROM_CAP: u64 = 64 * 1024;

/// The encoded size of `batch` on its own (a scratch encoder, so the stream's state is untouched).
fn encoded_size(batch: &RecordBatch) -> Result<u64, ArrowError> {
    let (mut scratch, _) = IpcEncoder::new(&batch.schema())?;
    Ok(scratch.encode(batch)?.iter().map(|chunk| chunk.len() as u64).sum())
}

async fn send<M, E>(sender: &mpsc::Sender<Result<M, E>>, message: M) -> Result<(), PumpError> {
    sender.send(Ok(message)).await.map_err(|_| PumpError::ReaderGone)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::StringArray;
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch(rows: usize) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("summary", DataType::Utf8, false)]));
        let values: Vec<String> = (0..rows).map(|row| format!("report {row:06} {}", "x".repeat(90))).collect();
        RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(values))]).expect("batch")
    }

    /// A gate that notes what it was asked, refusing the `refuse_at`-th call (from 1).
    #[derive(Default)]
    struct Recording {
        calls: Vec<String>,
        refuse_at: Option<usize>,
    }

    impl Recording {
        fn note(&mut self, call: String) -> Result<(), ReleaseRefused> {
            self.calls.push(call);
            if self.refuse_at == Some(self.calls.len()) { Err(ReleaseRefused("trail full".into())) } else { Ok(()) }
        }
    }

    impl ReleaseGate for Recording {
        async fn admit(&mut self, batch: &RecordBatch, end: Option<&PumpOutcome>) -> Result<(), ReleaseRefused> {
            let end = end.map(|end| format!(", last of {}", end.rows)).unwrap_or_default();
            self.note(format!("{} rows{end}", batch.num_rows()))
        }

        async fn admit_end(&mut self, end: &PumpOutcome) -> Result<(), ReleaseRefused> {
            self.note(format!("end of {}", end.rows))
        }
    }

    fn stream_of(items: Vec<Result<RecordBatch, DataFusionError>>) -> SendableRecordBatchStream {
        let schema = batch(0).schema();
        Box::pin(datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(schema, futures::stream::iter(items)))
    }

    /// Pumps `items` and returns the outcome, what the gate saw and the messages sent.
    async fn run(
        items: Vec<Result<RecordBatch, DataFusionError>>,
        caps: Caps,
        mut gate: Recording,
    ) -> (Result<PumpOutcome, PumpError>, Vec<String>, Vec<&'static str>) {
        let (sender, mut receiver) = mpsc::channel::<Result<Chunk, ()>>(64);
        let outcome = pump(stream_of(items), caps, &sender, |chunk| chunk, &mut gate).await;
        drop(sender);
        let mut sent = Vec::new();
        while let Some(Ok(chunk)) = receiver.recv().await {
            sent.push(match chunk {
                Chunk::Schema(_) => "schema",
                Chunk::Batch(_) => "batch",
            });
        }
        (outcome, gate.calls, sent)
    }

    #[tokio::test]
    async fn the_gate_learns_which_batch_is_the_last() {
        let items = vec![Ok(batch(3)), Ok(batch(0)), Ok(batch(2)), Ok(batch(4))];
        let (outcome, calls, sent) = run(items, Caps::NONE, Recording::default()).await;
        let outcome = outcome.expect("pumped");
        assert_eq!((outcome.rows, outcome.truncated), (9, false));
        assert_eq!(calls, ["3 rows", "2 rows", "4 rows, last of 9"], "empty batches are neither admitted nor sent");
        assert_eq!(sent, ["schema", "batch", "batch", "batch"]);
    }

    #[tokio::test]
    async fn an_answer_without_rows_is_admitted_before_its_header() {
        let (outcome, calls, sent) = run(vec![Ok(batch(0))], Caps::NONE, Recording::default()).await;
        assert_eq!(outcome.expect("pumped").rows, 0);
        assert_eq!(calls, ["end of 0"]);
        assert_eq!(sent, ["schema"]);
        let refusing = Recording { refuse_at: Some(1), ..Recording::default() };
        let (outcome, _, sent) = run(Vec::new(), Caps::NONE, refusing).await;
        assert!(matches!(outcome, Err(PumpError::Refused(_))));
        assert!(sent.is_empty(), "not even the header leaves: {sent:?}");
    }

    #[tokio::test]
    async fn nothing_leaves_before_the_gate_admits_the_first_batch() {
        let refusing = Recording { refuse_at: Some(1), ..Recording::default() };
        let (outcome, calls, sent) = run(vec![Ok(batch(3)), Ok(batch(2))], Caps::NONE, refusing).await;
        assert!(matches!(outcome, Err(PumpError::Refused(_))));
        assert_eq!(calls, ["3 rows"]);
        assert!(sent.is_empty(), "{sent:?}");
    }

    #[tokio::test]
    async fn a_cap_ends_the_answer_with_the_batch_it_cuts() {
        let items = vec![Ok(batch(3)), Ok(batch(5)), Ok(batch(7))];
        let (outcome, calls, sent) = run(items, Caps { rows: 6, bytes: u64::MAX }, Recording::default()).await;
        let outcome = outcome.expect("pumped");
        assert_eq!((outcome.rows, outcome.truncated), (6, true));
        assert_eq!(calls, ["3 rows", "3 rows, last of 6"]);
        assert_eq!(sent, ["schema", "batch", "batch"]);
    }

    #[tokio::test]
    async fn a_failure_after_a_batch_releases_nothing_more() {
        let failure = DataFusionError::Execution("region went away".into());
        let items = vec![Ok(batch(3)), Ok(batch(2)), Err(failure)];
        let (outcome, calls, sent) = run(items, Caps::NONE, Recording::default()).await;
        assert!(matches!(outcome, Err(PumpError::Execution(_))));
        assert_eq!(calls, ["3 rows"], "the held batch is dropped, never admitted");
        assert_eq!(sent, ["schema", "batch"], "only what was admitted was sent");
    }

    #[test]
    fn far_from_the_caps_a_whole_batch_is_sent() {
        let sent = PumpOutcome::default();
        assert_eq!(rows_within(&batch(100), Caps::NONE, &sent).unwrap(), 100);
        assert_eq!(rows_within(&batch(100), Caps { rows: 40, bytes: u64::MAX }, &sent).unwrap(), 40);
    }

    #[test]
    fn near_the_byte_cap_only_the_rows_whose_encoding_fits_are_sent() {
        let whole = batch(1_000);
        let cap = 20_000;
        let sent = PumpOutcome { rows: 0, bytes: 5_000, truncated: false };
        let fit = rows_within(&whole, Caps { rows: u64::MAX, bytes: cap }, &sent).unwrap();
        assert!(fit > 50 && fit < 1_000, "{fit} rows");
        assert!(encoded_size(&whole.slice(0, fit)).unwrap() <= cap - 5_000);
        let spent = PumpOutcome { rows: 0, bytes: cap, truncated: false };
        assert_eq!(rows_within(&whole, Caps { rows: u64::MAX, bytes: cap }, &spent).unwrap(), 0);
    }
}
