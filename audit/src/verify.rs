//! Offline verification of a trail: walks every segment and checkpoint and names the first
//! problem precisely (altered, reordered, inserted or removed record; bad checkpoint; truncation
//! back past a checkpoint), and tells a torn final record left by a crash apart from tampering.

use std::collections::BTreeMap;
use std::path::Path;

use ed25519_dalek::VerifyingKey;

use crate::checkpoint::{SignedCheckpoint, read_checkpoints};
use crate::error::AuditError;
use crate::frame::{ChainHash, ChainedBody, FrameCursor, FrameRead, GENESIS_HASH, chain_hash};
use crate::record::RecordKind;
use crate::segment::{SegmentFile, TornTail, list_segments, read_segment};

/// The first problem found in a trail. Offsets are byte offsets of the frame in the segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A frame whose checksum, length or body is wrong: the record expected there was altered.
    CorruptFrame {
        /// Segment file name.
        segment: String,
        /// Byte offset of the frame.
        offset: u64,
        /// Sequence number expected at that position.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// A record out of sequence: one was removed, reordered or inserted before it.
    SequenceMismatch {
        /// Segment file name.
        segment: String,
        /// Byte offset of the frame.
        offset: u64,
        /// Sequence number expected.
        expected: u64,
        /// Sequence number found.
        found: u64,
    },
    /// Record `seq` does not chain to the record before it: that record was altered (with its
    /// checksum recomputed), or a record was inserted or removed between them.
    ChainBroken {
        /// Segment file name.
        segment: String,
        /// Byte offset of the frame.
        offset: u64,
        /// Sequence number of the record whose `prev_hash` does not match.
        seq: u64,
    },
    /// A segment's name does not match its first record.
    SegmentNameMismatch {
        /// Segment file name.
        segment: String,
        /// Sequence number of its first record.
        first_seq: u64,
    },
    /// Torn bytes in the middle of the trail not followed by a `TrailResumed` marker.
    UnexplainedTornBytes {
        /// Segment file name.
        segment: String,
        /// Byte offset of the incomplete frame.
        offset: u64,
    },
    /// A checkpoint whose signature does not verify with the given key (a forgery re-signed
    /// with another key, or an altered checkpoint).
    CheckpointSignatureInvalid {
        /// Position of the checkpoint in `checkpoints.log` (witness checkpoints follow).
        index: usize,
        /// Sequence number it claims.
        seq: u64,
    },
    /// A validly signed checkpoint disagrees with the chain hash of its record.
    CheckpointMismatch {
        /// Sequence number of the checkpointed record.
        seq: u64,
        /// Segment holding the record.
        segment: String,
        /// Byte offset of the record.
        offset: u64,
    },
    /// `checkpoints.log` is damaged (not merely torn at its end).
    CheckpointFileDamaged {
        /// Byte offset of the damaged frame.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The trail ends before a signed checkpoint: records `missing_from..=missing_to` are gone.
    Truncated {
        /// First missing sequence number.
        missing_from: u64,
        /// Last missing sequence number (the checkpoint's).
        missing_to: u64,
    },
}

/// The verdict on a trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyStatus {
    /// Every record chains and every checkpoint matches.
    Intact,
    /// Intact up to an incomplete final record, as a crash mid-write leaves: not tampering.
    TornTail(TornTail),
    /// Tampering or damage; the first problem found.
    Tampered(Problem),
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The verdict.
    pub status: VerifyStatus,
    /// Records that verified before the verdict.
    pub records: u64,
    /// Segments read.
    pub segments: usize,
    /// Checkpoints whose signatures verified.
    pub checkpoints: usize,
    /// Last verified sequence number.
    pub last_seq: Option<u64>,
    /// Hex chain hash of the last verified record.
    pub last_hash: Option<String>,
    /// Highest signed checkpoint.
    pub last_checkpoint_seq: Option<u64>,
    /// Torn tails earlier in the trail that a `TrailResumed` marker chained past (kept for
    /// investigation, not tampering).
    pub torn_tails_chained_past: Vec<TornTail>,
    /// `checkpoints.log` ends with a torn frame (a crash while checkpointing).
    pub checkpoint_file_torn: bool,
}

impl VerifyReport {
    /// True when the trail is intact (no torn tail, no problem).
    pub fn is_intact(&self) -> bool {
        self.status == VerifyStatus::Intact
    }

    /// The problem, when the trail was tampered with or damaged.
    pub fn problem(&self) -> Option<&Problem> {
        match &self.status {
            VerifyStatus::Tampered(problem) => Some(problem),
            VerifyStatus::Intact | VerifyStatus::TornTail(_) => None,
        }
    }
}

/// Verifies the trail in `dir` against `key`, which must be held independently of the trail
/// (a key read from the trail's own `audit.pub` cannot expose a wholesale forgery).
pub fn verify(dir: &Path, key: &VerifyingKey) -> Result<VerifyReport, AuditError> {
    verify_with_witness(dir, key, &[])
}

/// Like [`verify`], also checking checkpoints held by an independent witness, which exposes a
/// truncation that also removed checkpoints from the trail directory (threat 93).
pub fn verify_with_witness(
    dir: &Path,
    key: &VerifyingKey,
    witnessed: &[SignedCheckpoint],
) -> Result<VerifyReport, AuditError> {
    let segments = list_segments(dir)?;
    let checkpoint_file = read_checkpoints(dir)?;
    let mut walk = Walk::new(segments.len(), checkpoint_file.torn_at.is_some());
    let mut all_checkpoints = checkpoint_file.checkpoints;
    all_checkpoints.extend_from_slice(witnessed);
    let status = match check_and_walk(&mut walk, &segments, &all_checkpoints, key) {
        Err(problem) => VerifyStatus::Tampered(problem),
        Ok(()) => match checkpoint_file.damaged {
            Some((offset, reason)) => VerifyStatus::Tampered(Problem::CheckpointFileDamaged { offset, reason }),
            None => walk.final_status(),
        },
    };
    Ok(walk.into_report(status))
}

/// Verifies checkpoint signatures, then walks the records, then checks for truncation.
fn check_and_walk(
    walk: &mut Walk,
    segments: &[SegmentFile],
    checkpoints: &[SignedCheckpoint],
    key: &VerifyingKey,
) -> Result<(), Problem> {
    for (index, checkpoint) in checkpoints.iter().enumerate() {
        if !checkpoint.verify(key) {
            return Err(Problem::CheckpointSignatureInvalid { index, seq: checkpoint.seq });
        }
        walk.checkpoints += 1;
        walk.last_checkpoint_seq = walk.last_checkpoint_seq.max(Some(checkpoint.seq));
        walk.checkpoint_hashes.entry(checkpoint.seq).or_default().push(checkpoint.chain_hash.clone());
    }
    for (index, segment) in segments.iter().enumerate() {
        let bytes = read_segment(segment).map_err(|error| Problem::CorruptFrame {
            segment: segment.name.clone(),
            offset: 0,
            seq: walk.expected_seq,
            reason: error.to_string(),
        })?;
        walk.segment(segment, &bytes, index + 1 == segments.len())?;
    }
    if let Some(torn) = walk.pending_torn.take() {
        walk.final_torn = Some(torn);
    }
    let last_seq = walk.expected_seq - 1;
    match walk.last_checkpoint_seq {
        Some(checkpoint_seq) if checkpoint_seq > last_seq => {
            Err(Problem::Truncated { missing_from: last_seq + 1, missing_to: checkpoint_seq })
        }
        _ => Ok(()),
    }
}

/// Progress of a verification walk.
#[derive(Debug)]
struct Walk {
    expected_seq: u64,
    prev_hash: ChainHash,
    records: u64,
    segments: usize,
    checkpoints: usize,
    last_checkpoint_seq: Option<u64>,
    checkpoint_hashes: BTreeMap<u64, Vec<String>>,
    pending_torn: Option<TornTail>,
    final_torn: Option<TornTail>,
    chained_past: Vec<TornTail>,
    checkpoint_file_torn: bool,
}

impl Walk {
    fn new(segments: usize, checkpoint_file_torn: bool) -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH,
            records: 0,
            segments,
            checkpoints: 0,
            last_checkpoint_seq: None,
            checkpoint_hashes: BTreeMap::new(),
            pending_torn: None,
            final_torn: None,
            chained_past: Vec::new(),
            checkpoint_file_torn,
        }
    }

    /// Walks the frames of one segment.
    fn segment(&mut self, segment: &SegmentFile, bytes: &[u8], is_last: bool) -> Result<(), Problem> {
        let mut cursor = FrameCursor::new(bytes);
        let mut first = true;
        loop {
            match cursor.next_frame() {
                FrameRead::Frame { offset, body } => {
                    self.record(segment, offset as u64, body, first)?;
                    first = false;
                }
                FrameRead::End => return Ok(()),
                FrameRead::Torn { offset, bytes } => {
                    let torn = TornTail { segment: segment.name.clone(), offset: offset as u64, bytes: bytes as u64 };
                    if is_last {
                        self.final_torn = Some(torn);
                    } else {
                        self.pending_torn = Some(torn);
                    }
                    return Ok(());
                }
                FrameRead::Corrupt { offset, reason } => {
                    return Err(Problem::CorruptFrame {
                        segment: segment.name.clone(),
                        offset: offset as u64,
                        seq: self.expected_seq,
                        reason,
                    });
                }
            }
        }
    }

    /// Checks one record: sequence, segment name, torn-tail marker, chain, checkpoints.
    fn record(
        &mut self,
        segment: &SegmentFile,
        offset: u64,
        body: &[u8],
        first_in_segment: bool,
    ) -> Result<(), Problem> {
        let corrupt = |reason: String| Problem::CorruptFrame {
            segment: segment.name.clone(),
            offset,
            seq: self.expected_seq,
            reason,
        };
        let parsed: ChainedBody =
            serde_json::from_slice(body).map_err(|error| corrupt(format!("unreadable record body: {error}")))?;
        if parsed.seq != self.expected_seq {
            return Err(Problem::SequenceMismatch {
                segment: segment.name.clone(),
                offset,
                expected: self.expected_seq,
                found: parsed.seq,
            });
        }
        if parsed.record.seq != parsed.seq {
            return Err(corrupt(format!("record seq {} inside frame seq {}", parsed.record.seq, parsed.seq)));
        }
        if first_in_segment {
            self.first_in_segment(segment, &parsed)?;
        }
        let prev_hash = crate::frame::parse_hash(&parsed.prev_hash);
        if prev_hash != Some(self.prev_hash) {
            return Err(Problem::ChainBroken { segment: segment.name.clone(), offset, seq: parsed.seq });
        }
        let hash = chain_hash(&self.prev_hash, body);
        let hash_hex = hex::encode(hash);
        let disagrees = self
            .checkpoint_hashes
            .get(&parsed.seq)
            .is_some_and(|hashes| hashes.iter().any(|expected| *expected != hash_hex));
        if disagrees {
            return Err(Problem::CheckpointMismatch { seq: parsed.seq, segment: segment.name.clone(), offset });
        }
        self.prev_hash = hash;
        self.expected_seq += 1;
        self.records += 1;
        Ok(())
    }

    /// Checks the segment name and that torn bytes before this segment were chained past.
    fn first_in_segment(&mut self, segment: &SegmentFile, parsed: &ChainedBody) -> Result<(), Problem> {
        if segment.first_seq != parsed.seq {
            return Err(Problem::SegmentNameMismatch { segment: segment.name.clone(), first_seq: parsed.seq });
        }
        let Some(torn) = self.pending_torn.take() else {
            return Ok(());
        };
        if parsed.record.kind != RecordKind::TrailResumed {
            return Err(Problem::UnexplainedTornBytes { segment: torn.segment, offset: torn.offset });
        }
        self.chained_past.push(torn);
        Ok(())
    }

    /// The verdict when no problem was found.
    fn final_status(&mut self) -> VerifyStatus {
        match self.final_torn.take() {
            Some(torn) => VerifyStatus::TornTail(torn),
            None => VerifyStatus::Intact,
        }
    }

    fn into_report(self, status: VerifyStatus) -> VerifyReport {
        let last_seq = self.expected_seq.checked_sub(1).filter(|seq| *seq > 0);
        VerifyReport {
            status,
            records: self.records,
            segments: self.segments,
            checkpoints: self.checkpoints,
            last_seq,
            last_hash: last_seq.map(|_| hex::encode(self.prev_hash)),
            last_checkpoint_seq: self.last_checkpoint_seq,
            torn_tails_chained_past: self.chained_past,
            checkpoint_file_torn: self.checkpoint_file_torn,
        }
    }
}
