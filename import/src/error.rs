//! The import error type: every variant names the file (and where it helps the line or row) that
//! stopped the import. Rows that merely fail to parse are not errors: they are reported in
//! [`crate::ImportReport`].

use std::path::PathBuf;

use arrow::error::ArrowError;
use parquet::errors::ParquetError;

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A source file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// The CSV reader failed in a way that is not a single bad row (e.g. an I/O error).
    #[error("cannot read CSV {path} at line {line}: {source}")]
    Csv { path: PathBuf, line: u64, source: csv::Error },
    /// The file does not start with the data.police.uk street-level header.
    #[error("{path}: unknown header {found:?}; expected the data.police.uk street-level header")]
    UnknownHeader { path: PathBuf, found: Vec<String> },
    /// The file name cannot serve as a source identity (no stem, or not UTF-8).
    #[error("{path}: the file name cannot name an output file")]
    InvalidFileName { path: PathBuf },
    /// Two files in one call share a stem, so their outputs would replace each other.
    #[error("{first} and {second} share the file name {stem:?}; their outputs would replace each other")]
    DuplicateSource { stem: String, first: PathBuf, second: PathBuf },
    /// An output directory or file could not be written.
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    /// The Parquet writer or reader failed.
    #[error("parquet error on {path}: {source}")]
    Parquet { path: PathBuf, source: ParquetError },
    /// Arrow failed to read, infer or assemble a batch from this file.
    #[error("arrow error on {path}: {source}")]
    Arrow { path: PathBuf, source: ArrowError },
    /// A region code that cannot be a directory name of a node (upper case letters, digits, `_`, `-`).
    #[error("invalid region code {0:?}: expected upper-case letters, digits, '_' or '-'")]
    InvalidRegion(String),
    /// A table name that is not a plain lower-case SQL identifier.
    #[error("invalid table name {0:?}: expected a lower-case identifier ([a-z][a-z0-9_]*)")]
    InvalidTable(String),
    /// Extra datasets may not take the name of a common-data-model table.
    #[error("table {0:?} is a common-data-model table; extra datasets need another name")]
    ReservedTable(String),
    /// The default markings of a dataset are not valid markings.
    #[error("invalid default markings: {0}")]
    InvalidMarkings(String),
    /// The source has some marking columns but not all of them.
    #[error("{path}: has marking columns {present:?} but lacks {missing:?}")]
    PartialMarkings { path: PathBuf, present: Vec<String>, missing: Vec<String> },
    /// The source carries its own `region` column with a value for another region.
    #[error("{path} row {row}: region {found:?} is not the importing region {expected}")]
    ForeignRegion { path: PathBuf, row: u64, found: String, expected: String },
    /// Only `.csv` and `.parquet` files can be imported as tables.
    #[error("{path}: unsupported file type; expected .csv or .parquet")]
    UnsupportedFormat { path: PathBuf },
}
