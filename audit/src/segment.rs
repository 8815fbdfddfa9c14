//! Segment files: naming (`audit-<first seq, 20 digits>.log`), listing in order, and finding
//! where an existing trail ends so a writer can chain onto it.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::AuditError;
use crate::frame::{ChainHash, ChainedBody, FrameCursor, FrameRead, GENESIS_HASH, chain_hash};

/// Prefix of segment file names.
const SEGMENT_PREFIX: &str = "audit-";
/// Suffix of segment file names.
const SEGMENT_SUFFIX: &str = ".log";
/// Digits of the zero-padded first sequence number in a segment name.
const SEGMENT_SEQ_DIGITS: usize = 20;
/// Suffix given to a segment that holds only a torn frame, moved aside so its name can be
/// reused; it is kept for investigation and ignored by readers.
pub const TORN_ONLY_SUFFIX: &str = ".torn";

/// The name of the segment whose first record has sequence number `first_seq`.
pub fn segment_file_name(first_seq: u64) -> String {
    format!("{SEGMENT_PREFIX}{first_seq:0width$}{SEGMENT_SUFFIX}", width = SEGMENT_SEQ_DIGITS)
}

/// The first sequence number encoded in a segment file name, if it is one.
pub fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(SEGMENT_PREFIX)?.strip_suffix(SEGMENT_SUFFIX)?;
    if digits.len() != SEGMENT_SEQ_DIGITS || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A segment file found in a trail directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentFile {
    /// First sequence number, from the file name.
    pub first_seq: u64,
    /// File name.
    pub name: String,
    /// Full path.
    pub path: PathBuf,
}

/// Lists the segments in `dir`, oldest first.
pub fn list_segments(dir: &Path) -> Result<Vec<SegmentFile>, AuditError> {
    let entries = fs::read_dir(dir).map_err(|error| AuditError::io(dir, error))?;
    let mut segments = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| AuditError::io(dir, error))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(first_seq) = parse_segment_name(&name) {
            segments.push(SegmentFile { first_seq, path: entry.path(), name });
        }
    }
    segments.sort_by_key(|segment| segment.first_seq);
    Ok(segments)
}

/// Reads a whole segment file.
pub fn read_segment(segment: &SegmentFile) -> Result<Vec<u8>, AuditError> {
    fs::read(&segment.path).map_err(|error| AuditError::io(&segment.path, error))
}

/// Torn bytes found at the end of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// Segment file name (with [`TORN_ONLY_SUFFIX`] if it was moved aside).
    pub segment: String,
    /// Byte offset where the incomplete frame starts.
    pub offset: u64,
    /// Number of torn bytes kept.
    pub bytes: u64,
}

/// Where an existing trail ends.
#[derive(Debug, Clone)]
pub struct TrailEnd {
    /// Sequence number the next record gets.
    pub next_seq: u64,
    /// Chain hash of the last durable record ([`GENESIS_HASH`] for an empty trail).
    pub last_hash: ChainHash,
    /// Torn bytes at the end of the last segment (left by a crash or a failed write).
    pub torn: Option<TornTail>,
    /// First sequence number of the newest segment when it ends cleanly, so a writer may
    /// keep appending to it.
    pub clean_last_segment: Option<u64>,
}

/// Finds the end of the trail in `dir`: the last complete record of the newest segment.
/// A segment holding only torn bytes is moved aside (renamed with [`TORN_ONLY_SUFFIX`]) so
/// the next segment can take its name. Damage a crash cannot explain is an error.
pub fn find_trail_end(dir: &Path) -> Result<TrailEnd, AuditError> {
    let mut torn = None;
    let mut segments = list_segments(dir)?;
    let newest_count = segments.len();
    while let Some(segment) = segments.pop() {
        let is_newest = segments.len() + 1 == newest_count;
        let bytes = read_segment(&segment)?;
        let scan = scan_last_record(&segment, &bytes)?;
        if torn.is_none() {
            torn = scan.torn.clone();
        }
        if let Some((seq, hash)) = scan.last {
            let clean_last_segment = (is_newest && torn.is_none()).then_some(segment.first_seq);
            return Ok(TrailEnd { next_seq: seq + 1, last_hash: hash, torn, clean_last_segment });
        }
        if scan.torn.is_some() {
            let aside = dir.join(format!("{}{TORN_ONLY_SUFFIX}", segment.name));
            fs::rename(&segment.path, &aside).map_err(|error| AuditError::io(&aside, error))?;
            torn = scan.torn.map(|tail| TornTail { segment: format!("{}{TORN_ONLY_SUFFIX}", tail.segment), ..tail });
        }
    }
    Ok(TrailEnd { next_seq: 1, last_hash: GENESIS_HASH, torn, clean_last_segment: None })
}

/// The last complete record of one segment, and any torn tail after it.
#[derive(Debug)]
struct LastRecordScan {
    last: Option<(u64, ChainHash)>,
    torn: Option<TornTail>,
}

/// Walks one segment to its last complete record.
fn scan_last_record(segment: &SegmentFile, bytes: &[u8]) -> Result<LastRecordScan, AuditError> {
    let mut cursor = FrameCursor::new(bytes);
    let mut last = None;
    loop {
        match cursor.next_frame() {
            FrameRead::Frame { offset, body } => {
                let parsed: ChainedBody =
                    serde_json::from_slice(body).map_err(|error| damaged(segment, offset, error))?;
                let prev_hash = crate::frame::parse_hash(&parsed.prev_hash)
                    .ok_or_else(|| damaged(segment, offset, "prev_hash is not a chain hash"))?;
                last = Some((parsed.seq, chain_hash(&prev_hash, body)));
            }
            FrameRead::End => return Ok(LastRecordScan { last, torn: None }),
            FrameRead::Torn { offset, bytes } => {
                let torn = TornTail { segment: segment.name.clone(), offset: offset as u64, bytes: bytes as u64 };
                return Ok(LastRecordScan { last, torn: Some(torn) });
            }
            FrameRead::Corrupt { offset, reason } => return Err(damaged(segment, offset, reason)),
        }
    }
}

/// A [`AuditError::TrailDamaged`] for a frame of `segment`.
fn damaged(segment: &SegmentFile, offset: usize, reason: impl std::fmt::Display) -> AuditError {
    AuditError::TrailDamaged { segment: segment.name.clone(), offset: offset as u64, reason: reason.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_round_trip_and_sort_numerically() {
        assert_eq!(segment_file_name(42), "audit-00000000000000000042.log");
        assert_eq!(parse_segment_name("audit-00000000000000000042.log"), Some(42));
        assert_eq!(parse_segment_name("audit-42.log"), None);
        assert_eq!(parse_segment_name("audit-00000000000000000042.log.torn"), None);
    }
}
