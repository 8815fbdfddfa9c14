//! Shared test helpers: a fault-injecting storage (disk full, fsync EIO, slow or blocked
//! writes, counted syncs), a scripted clock, record builders and frame surgery.

#![allow(dead_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use toex_audit::frame::{FrameCursor, FrameRead};
use toex_audit::{
    AuditConfig, AuditLog, AuditRecord, Clock, FileStorage, LogDeps, Principal, Purpose, QueryDescription, RecordKind,
    SegmentSink, SigningKey, Storage, SystemClock,
};

/// ENOSPC on Linux.
const ENOSPC: i32 = 28;
/// EIO on Linux.
const EIO: i32 = 5;

/// Knobs and counters shared by every sink of a [`FaultyStorage`].
#[derive(Debug, Default)]
pub struct Faults {
    /// Writes write half their bytes then fail with ENOSPC.
    pub disk_full: AtomicBool,
    /// Syncs fail with EIO.
    pub fsync_fails: AtomicBool,
    /// Calls to `write_all`.
    pub writes: AtomicU64,
    /// Calls to `sync`.
    pub syncs: AtomicU64,
    /// Delay added to each sync, in microseconds (a slow disk).
    pub sync_delay_micros: AtomicU64,
    /// While true, writes block (a stalled disk).
    gate_closed: Mutex<bool>,
    gate: Condvar,
}

impl Faults {
    pub fn close_gate(&self) {
        *self.gate_closed.lock().unwrap() = true;
    }

    pub fn open_gate(&self) {
        *self.gate_closed.lock().unwrap() = false;
        self.gate.notify_all();
    }

    fn wait_for_gate(&self) {
        let mut closed = self.gate_closed.lock().unwrap();
        while *closed {
            closed = self.gate.wait(closed).unwrap();
        }
    }

    pub fn syncs(&self) -> u64 {
        self.syncs.load(Ordering::SeqCst)
    }

    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }
}

/// Real files with injectable faults.
#[derive(Debug, Clone, Default)]
pub struct FaultyStorage {
    pub faults: Arc<Faults>,
}

impl Storage for FaultyStorage {
    fn open_append(&self, path: &Path) -> io::Result<Box<dyn SegmentSink>> {
        let inner = FileStorage.open_append(path)?;
        Ok(Box::new(FaultySink { inner, faults: Arc::clone(&self.faults) }))
    }
}

struct FaultySink {
    inner: Box<dyn SegmentSink>,
    faults: Arc<Faults>,
}

impl SegmentSink for FaultySink {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.faults.wait_for_gate();
        self.faults.writes.fetch_add(1, Ordering::SeqCst);
        if self.faults.disk_full.load(Ordering::SeqCst) {
            self.inner.write_all(&bytes[..bytes.len() / 2])?;
            return Err(io::Error::from_raw_os_error(ENOSPC));
        }
        self.inner.write_all(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.faults.syncs.fetch_add(1, Ordering::SeqCst);
        if self.faults.fsync_fails.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(EIO));
        }
        let delay = self.faults.sync_delay_micros.load(Ordering::SeqCst);
        if delay > 0 {
            std::thread::sleep(Duration::from_micros(delay));
        }
        self.inner.sync()
    }
}

/// A clock that returns scripted times in order (the last one repeats).
#[derive(Debug)]
pub struct ScriptedClock {
    times: Mutex<Vec<String>>,
}

impl ScriptedClock {
    pub fn new(times: &[&str]) -> Self {
        let mut reversed: Vec<String> = times.iter().map(|time| (*time).to_owned()).collect();
        reversed.reverse();
        Self { times: Mutex::new(reversed) }
    }
}

impl Clock for ScriptedClock {
    fn now_rfc3339(&self) -> String {
        let mut times = self.times.lock().unwrap();
        if times.len() > 1 {
            return times.pop().unwrap();
        }
        times[0].clone()
    }
}

/// The independent key used by most tests.
pub fn test_key() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

/// A small-segment-free config for `dir` that only checkpoints on close.
pub fn config(dir: &Path) -> AuditConfig {
    AuditConfig { checkpoint_every_records: 100_000, checkpoint_interval_secs: 3600, ..AuditConfig::in_dir(dir) }
}

/// Opens a log on real files with the test key.
pub fn open_real(config: AuditConfig) -> AuditLog {
    AuditLog::open_with(
        config,
        LogDeps { storage: Arc::new(FileStorage), clock: Arc::new(SystemClock), signing_key: test_key() },
    )
    .unwrap()
}

/// Opens a log on faulty storage with the test key.
pub fn open_faulty(config: AuditConfig, storage: &FaultyStorage) -> AuditLog {
    AuditLog::open_with(
        config,
        LogDeps { storage: Arc::new(storage.clone()), clock: Arc::new(SystemClock), signing_key: test_key() },
    )
    .unwrap()
}

pub fn principal(subject: &str) -> Principal {
    Principal {
        subject: subject.to_owned(),
        display_name: format!("{subject} (analyst)"),
        roles: vec!["analyst".to_owned()],
        clearance: "OFFICIAL-SENSITIVE".to_owned(),
        home_region: "NWROCU".to_owned(),
    }
}

pub fn purpose(case_reference: &str) -> Purpose {
    Purpose { justification: "county lines deal line enquiry".to_owned(), case_reference: case_reference.to_owned() }
}

/// A consultation record for `query_id` by `subject`, searching `identifier`.
pub fn consultation(query_id: &str, subject: &str, case: &str, identifier: &str) -> AuditRecord {
    let mut record = AuditRecord::new(RecordKind::Consultation, query_id);
    record.principal = Some(principal(subject));
    record.purpose = Some(purpose(case));
    record.query = Some(QueryDescription {
        operation: "entity_search.phone".to_owned(),
        text: None,
        parameters: [("msisdn".to_owned(), identifier.to_owned())].into(),
    });
    record.identifiers = vec![identifier.to_owned()];
    record.regions_asked = vec!["NWROCU".to_owned(), "LONDON".to_owned()];
    record
}

/// Appends `count` numbered consultations and returns their sequence numbers.
pub async fn append_numbered(log: &AuditLog, count: u64) -> Vec<u64> {
    let mut seqs = Vec::new();
    for index in 0..count {
        let record = consultation(&format!("q-{index}"), "alice", "OP-1", "+447700900123");
        seqs.push(log.append(record).await.unwrap().seq);
    }
    seqs
}

/// The path of the only (or first) segment in `dir`.
pub fn first_segment(dir: &Path) -> PathBuf {
    dir.join("audit-00000000000000000001.log")
}

/// Byte ranges `(offset, end)` of every complete frame in a file.
pub fn frame_ranges(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut cursor = FrameCursor::new(bytes);
    let mut ranges = Vec::new();
    while let FrameRead::Frame { offset, body } = cursor.next_frame() {
        ranges.push((offset, offset + 8 + body.len()));
    }
    ranges
}
