//! The seams the writer touches the outside world through: a file sink (write, sync) and a
//! wall clock. Production uses real files with `sync_data` and the system clock; tests inject
//! disk-full, fsync failure, slow writes and clock steps without hoping for them.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// An open, append-only file of the trail (a segment or the checkpoint file).
pub trait SegmentSink: Send {
    /// Appends all of `bytes`. An error poisons the log.
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Makes everything written so far durable. An error poisons the log; it is never retried.
    fn sync(&mut self) -> io::Result<()>;
}

/// Opens sinks. Implementations must be cheap to share between threads.
pub trait Storage: Send + Sync {
    /// Opens `path` for appending, creating it (and making its directory entry durable) if absent.
    fn open_append(&self, path: &Path) -> io::Result<Box<dyn SegmentSink>>;
}

/// The production storage: real files, `sync_data` for durability.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileStorage;

impl Storage for FileStorage {
    fn open_append(&self, path: &Path) -> io::Result<Box<dyn SegmentSink>> {
        let existed = path.exists();
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        if !existed {
            sync_parent_directory(path)?;
        }
        Ok(Box::new(FileSink { file }))
    }
}

/// Makes a newly created directory entry durable, so a new segment survives a crash.
fn sync_parent_directory(path: &Path) -> io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if cfg!(unix) {
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}

/// A real append-only file.
#[derive(Debug)]
struct FileSink {
    file: File,
}

impl SegmentSink for FileSink {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// The wall clock used to annotate records and checkpoints. Never used for ordering.
pub trait Clock: Send + Sync {
    /// The current time as RFC 3339.
    fn now_rfc3339(&self) -> String;
}

/// The system clock, in UTC with microseconds.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_rfc3339(&self) -> String {
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }
}
