//! Threats 93-96: altered, reordered, deleted and inserted records, truncation back past a
//! checkpoint, and a re-chained forgery that only an independently held key exposes.

mod common;

use std::fs;
use std::path::Path;

use common::{append_numbered, config, first_segment, frame_ranges, open_real, test_key};
use toex_audit::frame::{ChainedBody, FRAME_HEADER_BYTES, chain_hash, encode_frame, parse_hash};
use toex_audit::{
    AuditLog, FileStorage, LogDeps, Problem, SigningKey, SystemClock, VerifyStatus, load_verifying_key, verify,
    verify_with_witness,
};

const SEGMENT: &str = "audit-00000000000000000001.log";

/// Writes records 1..=10 in one segment and closes (checkpoint at 10). Returns the segment
/// bytes and frame ranges.
async fn ten_record_trail(dir: &Path) -> (Vec<u8>, Vec<(usize, usize)>) {
    let log = open_real(config(dir));
    assert_eq!(append_numbered(&log, 10).await, (1..=10).collect::<Vec<_>>());
    let checkpoint = log.close().await.unwrap().unwrap();
    assert_eq!(checkpoint.seq, 10);
    let bytes = fs::read(first_segment(dir)).unwrap();
    let ranges = frame_ranges(&bytes);
    assert_eq!(ranges.len(), 10);
    (bytes, ranges)
}

fn problem(dir: &Path) -> Problem {
    let report = verify(dir, &test_key().verifying_key()).unwrap();
    report.problem().cloned().expect("tampering must be reported")
}

/// Rebuilds frames from parts of the original file in a new order.
fn write_frames(dir: &Path, bytes: &[u8], ranges: &[(usize, usize)], order: &[usize]) {
    let mut rebuilt = Vec::new();
    for index in order {
        let (start, end) = ranges[*index];
        rebuilt.extend_from_slice(&bytes[start..end]);
    }
    fs::write(first_segment(dir), rebuilt).unwrap();
}

#[tokio::test]
async fn intact_trail_verifies() {
    let dir = tempfile::tempdir().unwrap();
    ten_record_trail(dir.path()).await;
    let report = verify(dir.path(), &test_key().verifying_key()).unwrap();
    assert_eq!(report.status, VerifyStatus::Intact);
    assert_eq!(report.records, 10);
    assert_eq!(report.last_seq, Some(10));
    assert_eq!(report.last_checkpoint_seq, Some(10));
    assert_eq!(report.checkpoints, 1);
}

#[tokio::test]
async fn flipped_byte_in_middle_record_names_that_record() {
    let dir = tempfile::tempdir().unwrap();
    let (mut bytes, ranges) = ten_record_trail(dir.path()).await;
    let (start, _) = ranges[4];
    bytes[start + FRAME_HEADER_BYTES + 30] ^= 0x20;
    fs::write(first_segment(dir.path()), &bytes).unwrap();
    let Problem::CorruptFrame { segment, offset, seq, .. } = problem(dir.path()) else {
        panic!("expected a corrupt frame");
    };
    assert_eq!((segment.as_str(), offset, seq), (SEGMENT, start as u64, 5));
}

#[tokio::test]
async fn altered_record_with_recomputed_checksum_breaks_the_chain_at_the_next_record() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, ranges) = ten_record_trail(dir.path()).await;
    let (start, end) = ranges[4];
    let mut body: ChainedBody = serde_json::from_slice(&bytes[start + 8..end]).unwrap();
    body.record.purpose.as_mut().unwrap().justification = "nothing to see".to_owned();
    let forged = encode_frame(&serde_json::to_vec(&body).unwrap()).unwrap();
    let mut rebuilt = bytes[..start].to_vec();
    rebuilt.extend_from_slice(&forged);
    rebuilt.extend_from_slice(&bytes[end..]);
    fs::write(first_segment(dir.path()), rebuilt).unwrap();
    let expected_offset = (start + forged.len()) as u64;
    assert_eq!(
        problem(dir.path()),
        Problem::ChainBroken { segment: SEGMENT.to_owned(), offset: expected_offset, seq: 6 }
    );
}

#[tokio::test]
async fn reordered_records_are_a_sequence_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, ranges) = ten_record_trail(dir.path()).await;
    write_frames(dir.path(), &bytes, &ranges, &[0, 1, 2, 4, 3, 5, 6, 7, 8, 9]);
    assert_eq!(
        problem(dir.path()),
        Problem::SequenceMismatch { segment: SEGMENT.to_owned(), offset: ranges[3].0 as u64, expected: 4, found: 5 }
    );
}

#[tokio::test]
async fn deleted_record_is_a_sequence_gap() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, ranges) = ten_record_trail(dir.path()).await;
    write_frames(dir.path(), &bytes, &ranges, &[0, 1, 2, 3, 5, 6, 7, 8, 9]);
    assert_eq!(
        problem(dir.path()),
        Problem::SequenceMismatch { segment: SEGMENT.to_owned(), offset: ranges[4].0 as u64, expected: 5, found: 6 }
    );
}

#[tokio::test]
async fn inserted_record_is_detected_at_the_displaced_record() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, ranges) = ten_record_trail(dir.path()).await;
    // A forger inserts a well-formed record 5 chained to record 4.
    let record_four: ChainedBody = serde_json::from_slice(&bytes[ranges[3].0 + 8..ranges[3].1]).unwrap();
    let hash_four = chain_hash(&parse_hash(&record_four.prev_hash).unwrap(), &bytes[ranges[3].0 + 8..ranges[3].1]);
    let mut inserted: ChainedBody = serde_json::from_slice(&bytes[ranges[4].0 + 8..ranges[4].1]).unwrap();
    inserted.prev_hash = hex::encode(hash_four);
    inserted.record.query_id = "planted".to_owned();
    let forged = encode_frame(&serde_json::to_vec(&inserted).unwrap()).unwrap();
    let mut rebuilt = bytes[..ranges[4].0].to_vec();
    rebuilt.extend_from_slice(&forged);
    rebuilt.extend_from_slice(&bytes[ranges[4].0..]);
    fs::write(first_segment(dir.path()), rebuilt).unwrap();
    assert_eq!(
        problem(dir.path()),
        Problem::SequenceMismatch {
            segment: SEGMENT.to_owned(),
            offset: (ranges[4].0 + forged.len()) as u64,
            expected: 6,
            found: 5
        }
    );
}

#[tokio::test]
async fn truncated_tail_reports_the_missing_range_against_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, ranges) = ten_record_trail(dir.path()).await;
    fs::write(first_segment(dir.path()), &bytes[..ranges[7].0]).unwrap();
    assert_eq!(problem(dir.path()), Problem::Truncated { missing_from: 8, missing_to: 10 });

    // Cut mid-record: still truncation (not a torn tail), since 8..=10 were checkpointed.
    fs::write(first_segment(dir.path()), &bytes[..ranges[7].0 + 5]).unwrap();
    assert_eq!(problem(dir.path()), Problem::Truncated { missing_from: 8, missing_to: 10 });
}

#[tokio::test]
async fn truncation_that_also_removed_checkpoints_is_caught_by_a_witness() {
    let dir = tempfile::tempdir().unwrap();
    let log = open_real(config(dir.path()));
    append_numbered(&log, 10).await;
    let witnessed = log.close().await.unwrap().unwrap();
    let bytes = fs::read(first_segment(dir.path())).unwrap();
    let ranges = frame_ranges(&bytes);
    fs::write(first_segment(dir.path()), &bytes[..ranges[6].0]).unwrap();
    fs::remove_file(dir.path().join("checkpoints.log")).unwrap();
    let key = test_key().verifying_key();
    assert_eq!(verify(dir.path(), &key).unwrap().status, VerifyStatus::Intact);
    let report = verify_with_witness(dir.path(), &key, &[witnessed]).unwrap();
    assert_eq!(report.problem(), Some(&Problem::Truncated { missing_from: 7, missing_to: 10 }));
}

#[tokio::test]
async fn rechained_forgery_is_detected_only_with_the_independently_held_key() {
    let dir = tempfile::tempdir().unwrap();
    ten_record_trail(dir.path()).await;

    // The forger rebuilds a whole self-consistent trail with their own key and replaces ours.
    let forged_dir = tempfile::tempdir().unwrap();
    let forger_key = SigningKey::from_bytes(&[9; 32]);
    let forger = AuditLog::open_with(
        config(forged_dir.path()),
        LogDeps {
            storage: std::sync::Arc::new(FileStorage),
            clock: std::sync::Arc::new(SystemClock),
            signing_key: forger_key,
        },
    )
    .unwrap();
    append_numbered(&forger, 10).await;
    forger.close().await.unwrap();
    for name in [SEGMENT, "checkpoints.log", "audit.pub"] {
        fs::copy(forged_dir.path().join(name), dir.path().join(name)).unwrap();
    }

    let key_beside_trail = load_verifying_key(&dir.path().join("audit.pub")).unwrap();
    let trusting = verify(dir.path(), &key_beside_trail).unwrap();
    assert_eq!(trusting.status, VerifyStatus::Intact, "the forgery is self-consistent");

    let independent = verify(dir.path(), &test_key().verifying_key()).unwrap();
    assert_eq!(independent.problem(), Some(&Problem::CheckpointSignatureInvalid { index: 0, seq: 10 }));
}
