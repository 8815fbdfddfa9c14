//! Threats 97-99: disk full and fsync failure poison the log (fail closed, never retried,
//! nothing reported durable that was not), a slow sink applies backpressure with a bounded
//! queue, and a deliberate reopen resumes a chain that verifies.

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{FaultyStorage, append_numbered, config, consultation, open_faulty, test_key};
use toex_audit::{AuditError, RecordKind, VerifyStatus, read_records, verify};

/// Guard against a hung test; never an assertion on timing.
const TEST_GUARD: Duration = Duration::from_secs(30);

fn assert_unavailable(result: Result<toex_audit::Receipt, AuditError>, reason_part: &str) {
    match result {
        Err(AuditError::Unavailable { reason }) => {
            assert!(reason.contains(reason_part), "reason {reason:?} lacks {reason_part:?}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn disk_full_fails_closed_and_reports_nothing_durable_that_was_not() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FaultyStorage::default();
    let log = open_faulty(config(dir.path()), &storage);
    assert_eq!(append_numbered(&log, 3).await, vec![1, 2, 3]);

    storage.faults.disk_full.store(true, Ordering::SeqCst);
    assert_unavailable(log.append(consultation("q-full", "alice", "OP-1", "x")).await, "No space left");
    assert!(!log.is_healthy());
    assert!(log.unavailable_reason().unwrap().contains("No space left"));

    // The operator frees space, but the log does not assume the problem went away.
    storage.faults.disk_full.store(false, Ordering::SeqCst);
    let writes_before = storage.faults.writes();
    for index in 0..3 {
        let record = consultation(&format!("later-{index}"), "alice", "OP-1", "x");
        assert_unavailable(log.append(record).await, "No space left");
    }
    assert_eq!(storage.faults.writes(), writes_before, "no write after poisoning");

    // Exactly the three acknowledged records are complete on disk; the half-written one is torn.
    let durable: Vec<u64> = read_records(dir.path()).unwrap().iter().map(|r| r.seq).collect();
    assert_eq!(durable, vec![1, 2, 3]);
    let report = verify(dir.path(), &test_key().verifying_key()).unwrap();
    assert!(matches!(report.status, VerifyStatus::TornTail(_)), "{:?}", report.status);

    // Deliberate recovery: a new segment with a marker chains past the torn bytes.
    log.reopen().await.unwrap();
    assert!(log.is_healthy());
    let receipt = log.append(consultation("q-after", "alice", "OP-1", "x")).await.unwrap();
    assert_eq!(receipt.seq, 5, "seq 4 is the TrailResumed marker");
    log.close().await.unwrap();
    let report = verify(dir.path(), &test_key().verifying_key()).unwrap();
    assert_eq!(report.status, VerifyStatus::Intact);
    assert_eq!(report.torn_tails_chained_past.len(), 1);
    let records = read_records(dir.path()).unwrap();
    assert_eq!(records[3].kind, RecordKind::TrailResumed);
    assert!(records[3].note.as_ref().unwrap().contains("No space left"));
}

#[tokio::test]
async fn fsync_failure_is_never_retried() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FaultyStorage::default();
    let log = open_faulty(config(dir.path()), &storage);
    append_numbered(&log, 2).await;
    let syncs_before = storage.faults.syncs();

    storage.faults.fsync_fails.store(true, Ordering::SeqCst);
    assert_unavailable(log.append(consultation("q-eio", "alice", "OP-1", "x")).await, "fsync");
    assert_eq!(storage.faults.syncs(), syncs_before + 1);
    for index in 0..5 {
        let record = consultation(&format!("later-{index}"), "alice", "OP-1", "x");
        assert_unavailable(log.append(record).await, "fsync");
    }
    assert_eq!(storage.faults.syncs(), syncs_before + 1, "the failed fsync was retried");
    assert!(!log.is_healthy());

    // Reopening while the disk is still failing stays closed.
    assert!(log.reopen().await.is_err());
    assert!(!log.is_healthy());

    storage.faults.fsync_fails.store(false, Ordering::SeqCst);
    log.reopen().await.unwrap();
    assert!(log.is_healthy());
    log.append(consultation("q-ok", "alice", "OP-1", "x")).await.unwrap();
    log.close().await.unwrap();
    let report = verify(dir.path(), &test_key().verifying_key()).unwrap();
    assert_eq!(report.status, VerifyStatus::Intact);
    // The record whose fsync failed and the marker of the failed reopen reached the page cache
    // (their callers were told Unavailable); the trail shows both attempts and still verifies.
    let kinds: Vec<RecordKind> = read_records(dir.path()).unwrap().iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            RecordKind::Consultation,
            RecordKind::Consultation,
            RecordKind::Consultation,
            RecordKind::TrailResumed,
            RecordKind::TrailResumed,
            RecordKind::Consultation
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_sink_applies_backpressure_with_a_bounded_queue() {
    const CAPACITY: usize = 4;
    const MAX_BATCH: usize = 2;
    const APPENDS: usize = 30;
    let dir = tempfile::tempdir().unwrap();
    let storage = FaultyStorage::default();
    let log_config =
        toex_audit::AuditConfig { queue_capacity: CAPACITY, max_batch_records: MAX_BATCH, ..config(dir.path()) };
    let log = open_faulty(log_config, &storage);
    storage.faults.close_gate();

    let completed = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for index in 0..APPENDS {
        let task_log = log.clone();
        let task_completed = Arc::clone(&completed);
        tasks.push(tokio::spawn(async move {
            let record = consultation(&format!("q-{index}"), "alice", "OP-1", "x");
            let receipt = task_log.append(record).await;
            task_completed.fetch_add(1, Ordering::SeqCst);
            receipt
        }));
    }

    // Wait (bounded) until the queue is full behind the stalled disk.
    tokio::time::timeout(TEST_GUARD, async {
        while log.queued() < CAPACITY {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("queue never filled");
    for _ in 0..50 {
        assert!(log.queued() <= CAPACITY);
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(log.queued(), CAPACITY);
    assert_eq!(completed.load(Ordering::SeqCst), 0, "nothing is acknowledged before it is durable");

    storage.faults.open_gate();
    let mut seqs = Vec::new();
    for task in tasks {
        let receipt = tokio::time::timeout(TEST_GUARD, task).await.unwrap().unwrap().unwrap();
        seqs.push(receipt.seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=APPENDS as u64).collect::<Vec<_>>());
    // Each write holds at most MAX_BATCH records, so the writer never held more than that.
    assert!(storage.faults.writes() >= (APPENDS / MAX_BATCH) as u64);
    assert_eq!(log.queued(), 0);
}
