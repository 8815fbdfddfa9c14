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
pub async fn pump<M, E>(
    mut stream: SendableRecordBatchStream,
    caps: Caps,
    sender: &mpsc::Sender<Result<M, E>>,
    wrap: impl Fn(Chunk) -> M,
    gate: &mut impl ReleaseGate,
) -> Result<PumpOutcome, PumpError> {
    let (mut encoder, header) = IpcEncoder::new(&stream.schema())?;
    send(sender, wrap(Chunk::Schema(header))).await?;
    let mut outcome = PumpOutcome::default();
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            () = sender.closed() => return Err(PumpError::ReaderGone),
        };
        let Some(mut batch) = next.transpose()? else {
            return Ok(outcome);
        };
        let room = rows_within(&batch, caps, &outcome)?;
        if room < batch.num_rows() {
            batch = batch.slice(0, room);
            outcome.truncated = true;
        }
        // The batch is encoded while its disclosure record is made durable (the first future is
        // polled first, handing the record to the audit writer); nothing is sent before both.
        let admit = async { if batch.num_rows() > 0 { gate.admit(&batch).await } else { Ok(()) } };
        let encode = async { encoder.encode(&batch) };
        let (admitted, encoded) = futures::join!(admit, encode);
        admitted?;
        for chunk in encoded? {
            outcome.bytes += chunk.len() as u64;
            send(sender, wrap(Chunk::Batch(chunk))).await?;
        }
        outcome.rows += batch.num_rows() as u64;
        if outcome.truncated {
            return Ok(outcome);
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
