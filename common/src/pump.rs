//! Drives a DataFusion result stream into a bounded gRPC response channel as Arrow IPC chunks.
//!
//! Used by the node (to the hub) and the hub (to the caller). The channel is bounded, so a slow
//! reader applies backpressure all the way to execution; when the reader goes away the
//! execution stream is dropped at once, which cancels the DataFusion work behind it. Every batch
//! passes a [`ReleaseGate`] (the audit-before-disclose hook) before any byte of it is sent.

use datafusion::error::DataFusionError;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::ipc::IpcEncoder;
use crate::release::{ReleaseGate, ReleaseRefused};

/// How many encoded messages may wait in a response channel before execution pauses.
pub const RESPONSE_CHANNEL_DEPTH: usize = 4;

/// What a finished pump sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PumpOutcome {
    /// Rows sent.
    pub rows: u64,
    /// True when the row cap stopped the stream early.
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

/// Sends `stream` through `sender` as IPC chunks, stopping after `max_rows` rows when set. Each
/// batch is admitted by `gate` before it is sent.
pub async fn pump<M, E>(
    mut stream: SendableRecordBatchStream,
    max_rows: Option<u64>,
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
        let mut batch_rows = batch.num_rows() as u64;
        if let Some(cap) = max_rows {
            let room = cap.saturating_sub(outcome.rows);
            if batch_rows > room {
                batch = batch.slice(0, room as usize);
                batch_rows = room;
                outcome.truncated = true;
            }
        }
        if batch_rows > 0 {
            gate.admit(&batch).await?;
        }
        for chunk in encoder.encode(&batch)? {
            send(sender, wrap(Chunk::Batch(chunk))).await?;
        }
        outcome.rows += batch_rows;
        if outcome.truncated {
            return Ok(outcome);
        }
    }
}

async fn send<M, E>(sender: &mpsc::Sender<Result<M, E>>, message: M) -> Result<(), PumpError> {
    sender.send(Ok(message)).await.map_err(|_| PumpError::ReaderGone)
}
