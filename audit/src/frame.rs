//! On-disk framing and hash chaining: each record is `length (u32 LE) | CRC32C (u32 LE) | body`,
//! the body is the JSON of `{seq, prev_hash, record}`, and the chain hash of a record is
//! `SHA-256(prev_hash || body)`. A cursor reads frames back and tells a torn tail (a crash
//! mid-write) from a damaged frame.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::AuditError;
use crate::record::AuditRecord;

/// Bytes in a frame header: length then checksum.
pub const FRAME_HEADER_BYTES: usize = 8;

/// Largest frame body accepted on write and on read; a larger length field is damage.
pub const MAX_FRAME_BODY_BYTES: usize = 1024 * 1024;

/// A SHA-256 chain hash.
pub type ChainHash = [u8; 32];

/// The `prev_hash` of the very first record of a trail.
pub const GENESIS_HASH: ChainHash = [0; 32];

/// The body of a record frame.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainedBody {
    /// Sequence number (equal to `record.seq`).
    pub seq: u64,
    /// Hex chain hash of the previous record ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// The record.
    pub record: AuditRecord,
}

/// Computes the chain hash of a record body given the previous hash.
pub fn chain_hash(prev_hash: &ChainHash, body: &[u8]) -> ChainHash {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(body);
    hasher.finalize().into()
}

/// Wraps `body` in a frame header. Fails if the body is over [`MAX_FRAME_BODY_BYTES`].
pub fn encode_frame(body: &[u8]) -> Result<Vec<u8>, AuditError> {
    if body.len() > MAX_FRAME_BODY_BYTES {
        return Err(AuditError::RecordTooLarge { size: body.len(), limit: MAX_FRAME_BODY_BYTES });
    }
    // The length fits in u32 because MAX_FRAME_BODY_BYTES does.
    let length = u32::try_from(body.len())
        .map_err(|_| AuditError::RecordTooLarge { size: body.len(), limit: MAX_FRAME_BODY_BYTES })?;
    let mut frame = Vec::with_capacity(FRAME_HEADER_BYTES + body.len());
    frame.extend_from_slice(&length.to_le_bytes());
    frame.extend_from_slice(&crc32c::crc32c(body).to_le_bytes());
    frame.extend_from_slice(body);
    Ok(frame)
}

/// Parses a 64-hex-digit chain hash.
pub fn parse_hash(text: &str) -> Option<ChainHash> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

/// One step of reading frames from a byte buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameRead<'a> {
    /// A complete frame whose checksum matches.
    Frame {
        /// Offset of the frame header in the buffer.
        offset: usize,
        /// The body bytes.
        body: &'a [u8],
    },
    /// The buffer ends cleanly after the previous frame.
    End,
    /// The buffer ends with an incomplete frame (or zero fill), as a crash mid-write leaves.
    Torn {
        /// Offset where the incomplete frame starts.
        offset: usize,
        /// Number of bytes in the incomplete frame.
        bytes: usize,
    },
    /// A frame that is complete but wrong: bad length field or checksum mismatch.
    Corrupt {
        /// Offset of the damaged frame.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
}

/// Reads frames one after another from a buffer holding a whole file.
#[derive(Debug)]
pub struct FrameCursor<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> FrameCursor<'a> {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, offset: 0 }
    }

    /// Reads the next frame. After anything but [`FrameRead::Frame`] the cursor does not move.
    pub fn next_frame(&mut self) -> FrameRead<'a> {
        let offset = self.offset;
        let rest = &self.bytes[offset..];
        if rest.is_empty() {
            return FrameRead::End;
        }
        if rest.iter().all(|byte| *byte == 0) {
            // Pre-allocated or zero-filled space past the last write, as some file systems
            // leave after a crash: incomplete, not tampered.
            return FrameRead::Torn { offset, bytes: rest.len() };
        }
        let Some((length_bytes, checksum_bytes)) = header_fields(rest) else {
            return FrameRead::Torn { offset, bytes: rest.len() };
        };
        let length = u32::from_le_bytes(length_bytes) as usize;
        if length == 0 || length > MAX_FRAME_BODY_BYTES {
            return FrameRead::Corrupt {
                offset,
                reason: format!("frame length {length} outside 1..={MAX_FRAME_BODY_BYTES}"),
            };
        }
        let frame_end = FRAME_HEADER_BYTES + length;
        if rest.len() < frame_end {
            return FrameRead::Torn { offset, bytes: rest.len() };
        }
        let body = &rest[FRAME_HEADER_BYTES..frame_end];
        let expected_checksum = u32::from_le_bytes(checksum_bytes);
        let actual_checksum = crc32c::crc32c(body);
        if expected_checksum != actual_checksum {
            return FrameRead::Corrupt {
                offset,
                reason: format!("checksum mismatch (header {expected_checksum:08x}, body {actual_checksum:08x})"),
            };
        }
        self.offset = offset + frame_end;
        FrameRead::Frame { offset, body }
    }
}

/// Splits a frame header into its length and checksum fields, if the header is complete.
fn header_fields(rest: &[u8]) -> Option<([u8; 4], [u8; 4])> {
    let length: [u8; 4] = rest.get(0..4)?.try_into().ok()?;
    let checksum: [u8; 4] = rest.get(4..8)?.try_into().ok()?;
    Some((length, checksum))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_torn_tail_is_not_corruption() {
        let first = encode_frame(b"{\"a\":1}").unwrap();
        let second = encode_frame(b"{\"b\":2}").unwrap();
        let mut file = first.clone();
        file.extend_from_slice(&second[..second.len() - 3]);
        let mut cursor = FrameCursor::new(&file);
        assert_eq!(cursor.next_frame(), FrameRead::Frame { offset: 0, body: b"{\"a\":1}" });
        assert_eq!(cursor.next_frame(), FrameRead::Torn { offset: first.len(), bytes: second.len() - 3 });
    }

    #[test]
    fn flipped_body_byte_is_corrupt() {
        let mut frame = encode_frame(b"{\"a\":1}").unwrap();
        frame[FRAME_HEADER_BYTES + 2] ^= 0x01;
        let mut cursor = FrameCursor::new(&frame);
        assert!(matches!(cursor.next_frame(), FrameRead::Corrupt { offset: 0, .. }));
    }

    #[test]
    fn oversized_body_is_refused() {
        let body = vec![b'x'; MAX_FRAME_BODY_BYTES + 1];
        assert!(matches!(encode_frame(&body), Err(AuditError::RecordTooLarge { .. })));
    }
}
