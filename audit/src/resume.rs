//! Starting or resuming a writer on an existing trail: find where the trail ends, set aside a
//! torn checkpoint tail, open the segment to write, and chain past torn bytes with an explicit
//! `TrailResumed` marker so they are kept for investigation and never mistaken for tampering.

use std::fs;
use std::path::Path;

use crate::checkpoint::{CHECKPOINT_FILE, read_checkpoints};
use crate::error::AuditError;
use crate::frame::encode_frame;
use crate::record::{AuditRecord, RecordKind};
use crate::segment::find_trail_end;
use crate::storage::{SegmentSink, Storage};
use crate::writer::{Writer, unavailable};

/// Most numbered names tried when setting a torn checkpoint file aside.
const MAX_TORN_CHECKPOINT_FILES: u32 = 10_000;

/// Points `writer` at the end of the trail in its directory and opens a segment to write.
/// `failure` is the reason the log was poisoned, when resuming after one.
pub(crate) fn resume_trail(writer: &mut Writer, failure: Option<&str>) -> Result<(), AuditError> {
    let end = find_trail_end(&writer.dir)?;
    writer.last_checkpointed_seq = repair_checkpoint_file(&writer.dir)?;
    writer.next_seq = end.next_seq;
    writer.last_hash = end.last_hash;
    writer.records_since_checkpoint = 0;
    writer.checkpoint_sink = None;
    let needs_marker = failure.is_some() || end.torn.is_some();
    let segment_first_seq = match end.clean_last_segment {
        Some(first_seq) if !needs_marker => first_seq,
        _ => end.next_seq,
    };
    writer.start_segment(segment_first_seq).map_err(|reason| unavailable(&reason))?;
    if !needs_marker {
        return Ok(());
    }
    let mut notes = Vec::new();
    if let Some(reason) = failure {
        notes.push(format!("resumed after audit failure: {reason}"));
    }
    if let Some(torn) = &end.torn {
        notes.push(format!(
            "incomplete final record kept for investigation: {} bytes at offset {} of {}",
            torn.bytes, torn.offset, torn.segment
        ));
        tracing::warn!(segment = %torn.segment, offset = torn.offset, bytes = torn.bytes,
            "audit trail had a torn final record; chaining past it");
    }
    let mut marker = AuditRecord::new(RecordKind::TrailResumed, "");
    marker.note = Some(notes.join("; "));
    writer.write_marker(marker)
}

/// Opens `checkpoints.log` for appending.
pub(crate) fn open_checkpoint_sink(dir: &Path, storage: &dyn Storage) -> Result<Box<dyn SegmentSink>, String> {
    storage.open_append(&dir.join(CHECKPOINT_FILE)).map_err(|error| format!("cannot open {CHECKPOINT_FILE}: {error}"))
}

/// Makes `checkpoints.log` safe to append to and returns the highest checkpointed sequence.
/// A torn final checkpoint (crash mid-write) is set aside with the whole file, and the valid
/// checkpoints are rewritten (their signatures still hold). Other damage is an error.
fn repair_checkpoint_file(dir: &Path) -> Result<u64, AuditError> {
    let file = read_checkpoints(dir)?;
    if let Some((offset, reason)) = file.damaged {
        return Err(AuditError::TrailDamaged { segment: CHECKPOINT_FILE.to_owned(), offset, reason });
    }
    let highest = file.checkpoints.iter().map(|checkpoint| checkpoint.seq).max();
    let Some(torn_at) = file.torn_at else {
        return Ok(highest.unwrap_or(0));
    };
    let path = dir.join(CHECKPOINT_FILE);
    let aside = free_torn_name(dir)?;
    fs::rename(&path, &aside).map_err(|error| AuditError::io(&aside, error))?;
    let mut rewritten = Vec::new();
    for checkpoint in &file.checkpoints {
        let body = serde_json::to_vec(checkpoint).map_err(|error| AuditError::TrailDamaged {
            segment: CHECKPOINT_FILE.to_owned(),
            offset: 0,
            reason: error.to_string(),
        })?;
        rewritten.extend_from_slice(&encode_frame(&body)?);
    }
    write_durably(&path, &rewritten)?;
    tracing::warn!(offset = torn_at, kept = %aside.display(),
        "torn checkpoint set aside; valid checkpoints rewritten");
    Ok(highest.unwrap_or(0))
}

/// The first unused `checkpoints.log.torn-N` name.
fn free_torn_name(dir: &Path) -> Result<std::path::PathBuf, AuditError> {
    for index in 1..=MAX_TORN_CHECKPOINT_FILES {
        let candidate = dir.join(format!("{CHECKPOINT_FILE}.torn-{index}"));
        if !candidate.exists() {
            return Ok(candidate);
        }
    }
    Err(AuditError::TrailDamaged {
        segment: CHECKPOINT_FILE.to_owned(),
        offset: 0,
        reason: format!("more than {MAX_TORN_CHECKPOINT_FILES} torn checkpoint files"),
    })
}

/// Writes a whole file and fsyncs it.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), AuditError> {
    let mut file = fs::File::create(path).map_err(|error| AuditError::io(path, error))?;
    std::io::Write::write_all(&mut file, bytes)
        .and_then(|()| file.sync_all())
        .map_err(|error| AuditError::io(path, error))
}
