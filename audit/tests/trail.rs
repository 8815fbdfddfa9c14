//! Threats 100-104 and the happy paths: torn final record after a crash, rotation across
//! segments, clock steps, group commit, audit search (logged) and hub/node reconciliation.

mod common;

use std::fs;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::{
    FaultyStorage, ScriptedClock, append_numbered, config, consultation, first_segment, open_faulty, open_real,
    principal, purpose, test_key,
};
use toex_audit::frame::encode_frame;
use toex_audit::{
    AuditConfig, AuditLog, AuditRecord, LogDeps, Mismatch, NodeIdentity, QueryDescription, RecordKind, RegionOutcome,
    SearchQuery, TornTail, VerifyStatus, read_records, reconcile, search, verify,
};

#[tokio::test]
async fn torn_final_record_is_not_tampering_and_reopen_chains_past_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = open_real(config(dir.path()));
    append_numbered(&log, 5).await;
    log.close().await.unwrap();
    drop(log);

    // Simulated crash: only the first 12 bytes of the next frame reached the disk.
    let segment = first_segment(dir.path());
    let clean_length = fs::metadata(&segment).unwrap().len();
    let frame = encode_frame(br#"{"seq":6,"prev_hash":"00","record":{}}"#).unwrap();
    let mut bytes = fs::read(&segment).unwrap();
    bytes.extend_from_slice(&frame[..12]);
    fs::write(&segment, &bytes).unwrap();
    let torn = TornTail { segment: "audit-00000000000000000001.log".to_owned(), offset: clean_length, bytes: 12 };
    let report = verify(dir.path(), &test_key().verifying_key()).unwrap();
    assert_eq!(report.status, VerifyStatus::TornTail(torn.clone()));
    assert_eq!(report.problem(), None);
    assert_eq!(report.last_seq, Some(5));

    let reopened = open_real(config(dir.path()));
    assert_eq!(append_numbered(&reopened, 2).await, vec![7, 8]);
    reopened.close().await.unwrap();

    assert_eq!(fs::metadata(&segment).unwrap().len(), clean_length + 12, "torn bytes kept");
    let report = verify(dir.path(), &test_key().verifying_key()).unwrap();
    assert_eq!(report.status, VerifyStatus::Intact);
    assert_eq!(report.records, 8);
    assert_eq!(report.torn_tails_chained_past, vec![torn]);
    let marker = &read_records(dir.path()).unwrap()[5];
    assert_eq!((marker.seq, marker.kind), (6, RecordKind::TrailResumed));
    assert!(marker.note.as_ref().unwrap().contains("12 bytes at offset"));
}

#[tokio::test]
async fn rotation_chains_across_segment_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let small_segments = AuditConfig { segment_max_bytes: 1024, checkpoint_every_records: 7, ..config(dir.path()) };
    let log = open_real(small_segments.clone());
    append_numbered(&log, 20).await;
    log.close().await.unwrap();
    // Reopening a cleanly closed trail continues it.
    let reopened = open_real(small_segments);
    append_numbered(&reopened, 10).await;
    reopened.close().await.unwrap();

    let segment_count = fs::read_dir(dir.path())
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().file_name().to_string_lossy().starts_with("audit-"))
        .count();
    assert!(segment_count >= 5, "only {segment_count} segments");
    let report = verify(dir.path(), &test_key().verifying_key()).unwrap();
    assert_eq!(report.status, VerifyStatus::Intact);
    assert_eq!((report.records, report.segments), (30, segment_count));
    assert_eq!(report.last_checkpoint_seq, Some(30));
    assert!(report.checkpoints >= 4, "checkpoints every 7 records and at close");
    let seqs: Vec<u64> = read_records(dir.path()).unwrap().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=30).collect::<Vec<_>>());
}

fn open_with_clock(dir: &std::path::Path, clock: ScriptedClock) -> AuditLog {
    AuditLog::open_with(
        config(dir),
        LogDeps { storage: Arc::new(toex_audit::FileStorage), clock: Arc::new(clock), signing_key: test_key() },
    )
    .unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn clock_stepping_backwards_keeps_sequence_and_chain() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ScriptedClock::new(&[
        "2025-03-01T10:00:00Z",
        "2025-03-01T10:05:00Z",
        "2025-03-01T09:00:00Z",
        "2025-03-01T09:01:00Z",
    ]);
    let log = open_with_clock(dir.path(), clock);
    assert_eq!(append_numbered(&log, 4).await, vec![1, 2, 3, 4]);
    log.close().await.unwrap();
    let records = read_records(dir.path()).unwrap();
    let times: Vec<&str> = records.iter().map(|record| record.at.as_str()).collect();
    assert_eq!(times, ["2025-03-01T10:00:00Z", "2025-03-01T10:05:00Z", "2025-03-01T09:00:00Z", "2025-03-01T09:01:00Z"]);
    assert_eq!(verify(dir.path(), &test_key().verifying_key()).unwrap().status, VerifyStatus::Intact);
    let query = SearchQuery {
        from: Some(utc("2025-03-01T09:00:00Z")),
        to: Some(utc("2025-03-01T09:30:00Z")),
        ..SearchQuery::default()
    };
    let found: Vec<u64> = search(dir.path(), &query).unwrap().iter().map(|r| r.seq).collect();
    assert_eq!(found, vec![3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_needs_far_fewer_fsyncs_than_appends() {
    const APPENDS: u64 = 200;
    let dir = tempfile::tempdir().unwrap();
    let storage = FaultyStorage::default();
    // A slow disk (2 ms per fsync) lets callers pile up behind each commit.
    storage.faults.sync_delay_micros.store(2000, std::sync::atomic::Ordering::SeqCst);
    let log = open_faulty(config(dir.path()), &storage);
    let mut tasks = Vec::new();
    for index in 0..APPENDS {
        let task_log = log.clone();
        tasks.push(tokio::spawn(async move {
            task_log.append(consultation(&format!("q-{index}"), "alice", "OP-1", "x")).await
        }));
    }
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.unwrap().unwrap().seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=APPENDS).collect::<Vec<_>>());
    let syncs = storage.faults.syncs();
    assert!(syncs < APPENDS / 2, "{syncs} fsyncs for {APPENDS} appends");
    assert_eq!(log.fsync_count(), syncs);
    log.close().await.unwrap();
    assert_eq!(verify(dir.path(), &test_key().verifying_key()).unwrap().records, APPENDS);
}

#[tokio::test]
async fn records_appended_together_are_consecutive_and_share_one_fsync() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FaultyStorage::default();
    let log = open_faulty(config(dir.path()), &storage);
    append_numbered(&log, 1).await;
    let before = storage.faults.syncs();
    let mut disclosure = consultation("q-pair", "alice", "OP-1", "+447700900123");
    disclosure.kind = RecordKind::Disclosure;
    let pair = vec![consultation("q-pair", "alice", "OP-1", "+447700900123"), disclosure];
    let receipts = log.append_all(pair).await.unwrap();
    assert_eq!(receipts.iter().map(|receipt| receipt.seq).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(storage.faults.syncs() - before, 1, "one commit for the pair");
    log.close().await.unwrap();
    let records = read_records(dir.path()).unwrap();
    let kinds: Vec<_> = records.iter().skip(1).map(|record| record.kind).collect();
    assert_eq!(kinds, vec![RecordKind::Consultation, RecordKind::Disclosure]);
    assert_eq!(verify(dir.path(), &test_key().verifying_key()).unwrap().records, 3);
}

#[tokio::test]
async fn records_appended_together_are_all_refused_when_the_disk_fails() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FaultyStorage::default();
    let log = open_faulty(config(dir.path()), &storage);
    append_numbered(&log, 1).await;
    storage.faults.fsync_fails.store(true, std::sync::atomic::Ordering::SeqCst);
    let pair = vec![consultation("q-a", "alice", "OP-1", "x"), consultation("q-b", "alice", "OP-1", "y")];
    let refused = log.append_all(pair).await.unwrap_err();
    assert!(matches!(refused, toex_audit::AuditError::Unavailable { .. }), "{refused:?}");
    let again = log.append_all(vec![consultation("q-c", "alice", "OP-1", "z")]).await.unwrap_err();
    assert!(matches!(again, toex_audit::AuditError::Unavailable { .. }), "{again:?}");
}

/// Four queries: a phone search (alice), a VRM search (bob), SQL naming the phone (carol), and
/// a denied phone search under another case (dave).
async fn searchable_trail(log: &AuditLog) {
    log.append(consultation("q-phone", "alice", "OP-1", "+447700900123")).await.unwrap();
    log.append(consultation("q-vrm", "bob", "OP-2", "AB12CDE")).await.unwrap();
    let mut sql = AuditRecord::new(RecordKind::Consultation, "q-sql");
    sql.principal = Some(principal("carol"));
    sql.purpose = Some(purpose("OP-3"));
    sql.query = Some(QueryDescription {
        operation: "sql".to_owned(),
        text: Some("SELECT * FROM phones WHERE msisdn = '+447700900123'".to_owned()),
        parameters: Default::default(),
    });
    log.append(sql).await.unwrap();
    let mut denied = consultation("q-denied", "dave", "OP-4", "+447700900999");
    denied.kind = RecordKind::Denied;
    log.append(denied).await.unwrap();
}

fn query_ids(records: &[AuditRecord]) -> Vec<&str> {
    records.iter().map(|record| record.query_id.as_str()).collect()
}

#[tokio::test]
async fn search_finds_exactly_the_matching_records_and_is_itself_logged() {
    let dir = tempfile::tempdir().unwrap();
    let log = open_real(config(dir.path()));
    searchable_trail(&log).await;
    let by = |query: SearchQuery| search(dir.path(), &query).unwrap();

    let phone = by(SearchQuery { identifier: Some("+447700900123".to_owned()), ..Default::default() });
    assert_eq!(query_ids(&phone), ["q-phone", "q-sql"]);
    let vrm = by(SearchQuery { identifier: Some("ab12 cde".to_owned()), ..Default::default() });
    assert_eq!(query_ids(&vrm), ["q-vrm"]);
    let case = by(SearchQuery { case_reference: Some("op-2".to_owned()), ..Default::default() });
    assert_eq!(query_ids(&case), ["q-vrm"]);
    let who = by(SearchQuery { principal_subject: Some("carol".to_owned()), ..Default::default() });
    assert_eq!(query_ids(&who), ["q-sql"]);
    let denied = by(SearchQuery { kind: Some(RecordKind::Denied), ..Default::default() });
    assert_eq!(query_ids(&denied), ["q-denied"]);

    let auditor = principal("auditor-1");
    let query = SearchQuery { identifier: Some("+447700900123".to_owned()), ..Default::default() };
    let found = log.search_recorded(auditor, purpose("PSD-7"), &query).await.unwrap();
    assert_eq!(query_ids(&found), ["q-phone", "q-sql"], "the auditor's own search is not a hit");
    let searches = by(SearchQuery { kind: Some(RecordKind::AuditSearch), ..Default::default() });
    assert_eq!(searches.len(), 1);
    assert_eq!(searches[0].principal.as_ref().unwrap().subject, "auditor-1");
    assert_eq!(searches[0].purpose.as_ref().unwrap().case_reference, "PSD-7");
    log.close().await.unwrap();
}

fn outcome(region: &str, rows: u64) -> RegionOutcome {
    RegionOutcome { rows_released: rows, ..RegionOutcome::new(region) }
}

fn received(region: &str, rows: u64) -> RegionOutcome {
    RegionOutcome { rows_received: rows, ..RegionOutcome::new(region) }
}

/// The hub's completion record: what it received from each region.
fn hub_disclosure() -> AuditRecord {
    let mut record = consultation("q-1", "alice", "OP-1", "+447700900123");
    record.kind = RecordKind::Completion;
    record.region_outcomes = vec![received("NWROCU", 3), received("LONDON", 2)];
    record
}

fn node_disclosure(region: &str, rows: u64) -> AuditRecord {
    let mut record = AuditRecord::new(RecordKind::Disclosure, "q-1");
    record.principal = Some(principal("hub.toex"));
    record.acting_for = Some(principal("alice"));
    record.purpose = Some(purpose("OP-1"));
    record.node = Some(NodeIdentity { node_id: format!("node-{region}"), region: region.to_owned() });
    record.region_outcomes = vec![outcome(region, rows)];
    record
}

#[test]
fn reconcile_matches_agreeing_trails() {
    let report = reconcile(&[hub_disclosure()], &[node_disclosure("NWROCU", 3), node_disclosure("LONDON", 2)]);
    assert_eq!(report.mismatches, vec![]);
    assert_eq!(report.matched, 2);
}

#[test]
fn reconcile_reports_exactly_the_planted_row_count_mismatch() {
    let report = reconcile(&[hub_disclosure()], &[node_disclosure("NWROCU", 3), node_disclosure("LONDON", 1)]);
    assert_eq!(
        report.mismatches,
        vec![Mismatch::RowCountMismatch {
            query_id: "q-1".to_owned(),
            region: "LONDON".to_owned(),
            hub_rows: 2,
            node_rows: 1
        }]
    );
    assert_eq!(report.matched, 1);
}

#[test]
fn reconcile_reports_disclosures_missing_on_either_side_and_wrong_principal() {
    let mut stray = node_disclosure("NWROCU", 4);
    stray.query_id = "q-unknown".to_owned();
    let mut impostor = node_disclosure("NWROCU", 3);
    impostor.acting_for = Some(principal("mallory"));
    let report = reconcile(&[hub_disclosure()], &[impostor, stray]);
    assert_eq!(
        report.mismatches,
        vec![
            Mismatch::HubClaimWithoutNodeRecord {
                query_id: "q-1".to_owned(),
                region: "LONDON".to_owned(),
                hub_rows: 2
            },
            Mismatch::PrincipalMismatch {
                query_id: "q-1".to_owned(),
                region: "NWROCU".to_owned(),
                hub_subject: "alice".to_owned(),
                node_subject: "mallory".to_owned()
            },
            Mismatch::NodeRecordWithoutHubRecord {
                query_id: "q-unknown".to_owned(),
                region: "NWROCU".to_owned(),
                node_rows: 4
            },
        ]
    );
}
