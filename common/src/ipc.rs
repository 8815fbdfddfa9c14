//! Arrow IPC framing for gRPC streams.
//!
//! One Arrow IPC stream is split across gRPC messages: the first carries the schema, each later
//! one carries whole record batches. Concatenating the chunks gives a valid IPC stream, so any
//! Arrow implementation can read an answer. Large batches are sliced so that no single message
//! comes near the gRPC message-size limit.

use arrow::array::RecordBatch;
use arrow::buffer::Buffer;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use std::sync::Arc;

use arrow::ipc::convert::try_schema_from_ipc_buffer;
use arrow::ipc::reader::StreamDecoder;
use arrow::ipc::writer::StreamWriter;

/// The encoded size a single message aims to stay under.
pub const TARGET_CHUNK_BYTES: usize = 2 * 1024 * 1024;

/// The largest gRPC message either side accepts; comfortably above [`TARGET_CHUNK_BYTES`].
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Encodes record batches of one schema into IPC chunks.
pub struct IpcEncoder {
    writer: StreamWriter<Vec<u8>>,
}

impl IpcEncoder {
    /// Starts a stream; returns the encoder and the schema chunk to send first.
    pub fn new(schema: &SchemaRef) -> Result<(Self, Vec<u8>), ArrowError> {
        let mut writer = StreamWriter::try_new(Vec::new(), schema)?;
        let header = std::mem::take(writer.get_mut());
        Ok((Self { writer }, header))
    }

    /// Encodes one batch, sliced as needed, into one or more chunks.
    pub fn encode(&mut self, batch: &RecordBatch) -> Result<Vec<Vec<u8>>, ArrowError> {
        let rows = batch.num_rows();
        if rows == 0 {
            return Ok(Vec::new());
        }
        let bytes_per_row = (batch.get_array_memory_size() / rows).max(1);
        let rows_per_chunk = (TARGET_CHUNK_BYTES / bytes_per_row).clamp(1, rows);
        let mut chunks = Vec::with_capacity(rows.div_ceil(rows_per_chunk));
        let mut offset = 0;
        while offset < rows {
            let length = rows_per_chunk.min(rows - offset);
            // Room for the whole chunk up front: growing from empty reallocates and copies it
            // several times over.
            self.writer.get_mut().reserve(length.saturating_mul(bytes_per_row).min(2 * TARGET_CHUNK_BYTES));
            self.writer.write(&batch.slice(offset, length))?;
            chunks.push(std::mem::take(self.writer.get_mut()));
            offset += length;
        }
        Ok(chunks)
    }
}

/// Decodes IPC chunks back into record batches.
#[derive(Default)]
pub struct IpcDecoder {
    decoder: StreamDecoder,
    /// Read from the header chunk itself: the stream decoder finishes a message only when the
    /// next bytes arrive, and a schema message ends exactly at the end of its chunk.
    schema: Option<SchemaRef>,
}

impl IpcDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one chunk; returns the batches it completed.
    pub fn push(&mut self, chunk: Vec<u8>) -> Result<Vec<RecordBatch>, ArrowError> {
        if self.schema.is_none() {
            self.schema = Some(Arc::new(try_schema_from_ipc_buffer(&chunk)?));
        }
        let mut buffer = Buffer::from(chunk);
        let mut batches = Vec::new();
        while !buffer.is_empty() {
            match self.decoder.decode(&mut buffer)? {
                Some(batch) => batches.push(batch),
                None => break,
            }
        }
        Ok(batches)
    }

    /// The stream's schema, once its header chunk has been pushed.
    pub fn schema(&self) -> Option<SchemaRef> {
        self.schema.clone()
    }
}

/// Encodes a schema alone as an IPC stream (used in catalogues).
pub fn schema_to_bytes(schema: &SchemaRef) -> Result<Vec<u8>, ArrowError> {
    let (_encoder, header) = IpcEncoder::new(schema)?;
    Ok(header)
}

/// Decodes a schema encoded by [`schema_to_bytes`].
pub fn schema_from_bytes(bytes: &[u8]) -> Result<SchemaRef, ArrowError> {
    let mut decoder = IpcDecoder::new();
    decoder.push(bytes.to_vec())?;
    decoder.schema().ok_or_else(|| ArrowError::IpcError("schema message missing or incomplete".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

    fn sample(rows: usize) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("text", DataType::Utf8, true),
        ]));
        let ids = Int64Array::from_iter_values(0..rows as i64);
        let texts = StringArray::from_iter((0..rows).map(|i| (i % 3 != 0).then(|| "x".repeat(400))));
        RecordBatch::try_new(schema, vec![Arc::new(ids), Arc::new(texts)]).unwrap()
    }

    #[test]
    fn round_trips_and_slices_large_batches() {
        let batch = sample(20_000);
        let (mut encoder, header) = IpcEncoder::new(&batch.schema()).unwrap();
        let chunks = encoder.encode(&batch).unwrap();
        assert!(chunks.len() > 1, "a ~8 MB batch must be sliced");
        assert!(chunks.iter().all(|chunk| chunk.len() < MAX_MESSAGE_BYTES));
        let mut decoder = IpcDecoder::new();
        assert!(decoder.push(header).unwrap().is_empty());
        assert_eq!(decoder.schema().unwrap(), batch.schema());
        let decoded: Vec<_> = chunks.into_iter().flat_map(|c| decoder.push(c).unwrap()).collect();
        let rows: usize = decoded.iter().map(RecordBatch::num_rows).sum();
        assert_eq!(rows, 20_000);
        let merged = arrow::compute::concat_batches(&batch.schema(), &decoded).unwrap();
        assert_eq!(merged, batch);
    }

    #[test]
    fn schema_round_trips_and_garbage_is_an_error() {
        let schema = sample(1).schema();
        assert_eq!(schema_from_bytes(&schema_to_bytes(&schema).unwrap()).unwrap(), schema);
        assert!(schema_from_bytes(b"not arrow at all").is_err());
        assert!(schema_from_bytes(&[]).is_err());
    }
}
