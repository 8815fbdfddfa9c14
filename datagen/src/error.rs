//! The one error type of the generator: every failure names the input or file it concerns.

use std::path::PathBuf;

/// Why generating or loading synthetic data failed.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The region code is not one of `toex_common::regions::REGIONS`.
    #[error("unknown region code {0:?}: expected one of {1}")]
    UnknownRegion(String, String),
    /// The scale (number of persons) must be at least one.
    #[error("scale must be at least 1 person, got {0}")]
    InvalidScale(u64),
    /// A table name that the common data model does not define (an internal wiring error).
    #[error("table {0:?} is not a common-data-model table")]
    UnknownTable(String),
    /// Creating, writing or renaming a file or directory failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Building an Arrow record batch failed.
    #[error("building a batch of table {table}: {source}")]
    Arrow {
        /// The table being built.
        table: String,
        /// The underlying error.
        source: arrow::error::ArrowError,
    },
    /// Writing a Parquet file failed.
    #[error("writing parquet file {path}: {source}")]
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: parquet::errors::ParquetError,
    },
    /// Reading or parsing a ground-truth file failed.
    #[error("ground-truth file {path}: {source}")]
    GroundTruth {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// A generator thread panicked (a bug in the generator).
    #[error("a generator thread for region {0} panicked")]
    WorkerPanicked(String),
}

impl GenError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
