//! An atomically published Parquet file: batches are written to a hidden temporary file in the
//! table directory, which is synced and renamed over the final name only on commit. A node never
//! sees a half-written file (it reads `*.parquet` only), and an abandoned sink leaves nothing.
//! Rows are gathered into row groups and clustered by `marking_code` within each, as the
//! generator writes them, so a node's release filter keeps or drops whole runs of rows.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use tempfile::TempPath;
use toex_common::markings::cluster_by_marking_code;

use crate::error::ImportError;

/// Rows per Parquet row group: bounds the memory the writer buffers before flushing to disk.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Prefix of temporary files; they never end in `.parquet`, so nodes ignore them.
const TEMP_PREFIX: &str = ".import-";
/// Suffix of temporary files.
const TEMP_SUFFIX: &str = ".tmp";

/// A Parquet file being written, published by [`ParquetSink::commit`].
pub(crate) struct ParquetSink {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    /// Batches of the row group being gathered, not yet written.
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    temp_path: TempPath,
    final_path: PathBuf,
    rows: u64,
}

impl ParquetSink {
    /// Starts writing what will become `final_path`, creating its directory if needed.
    pub(crate) fn create(final_path: &Path, schema: SchemaRef) -> Result<Self, ImportError> {
        let write_error = |source| ImportError::Write { path: final_path.to_owned(), source };
        let dir = final_path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(write_error)?;
        let temp =
            tempfile::Builder::new().prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX).tempfile_in(dir).map_err(write_error)?;
        let (file, temp_path) = temp.into_parts();
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))
            .map_err(|source| ImportError::Parquet { path: final_path.to_owned(), source })?;
        Ok(Self {
            writer,
            schema,
            pending: Vec::new(),
            pending_rows: 0,
            temp_path,
            final_path: final_path.to_owned(),
            rows: 0,
        })
    }

    /// Takes one batch; a row group is written once [`ROW_GROUP_ROWS`] rows are gathered.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), ImportError> {
        self.pending_rows += batch.num_rows();
        self.rows += batch.num_rows() as u64;
        self.pending.push(batch.clone());
        if self.pending_rows >= ROW_GROUP_ROWS { self.write_pending() } else { Ok(()) }
    }

    /// Hands the gathered rows, clustered by marking code, to the writer (which cuts row groups
    /// of [`ROW_GROUP_ROWS`], so a group is about one gathering).
    fn write_pending(&mut self) -> Result<(), ImportError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let arrow_error = |source| ImportError::Arrow { path: self.final_path.clone(), source };
        let gathered = concat_batches(&self.schema, &self.pending).map_err(arrow_error)?;
        let clustered = cluster_by_marking_code(gathered).map_err(arrow_error)?;
        self.pending.clear();
        self.pending_rows = 0;
        self.writer.write(&clustered).map_err(|source| ImportError::Parquet { path: self.final_path.clone(), source })
    }

    /// The path the file is published under.
    pub(crate) fn path(&self) -> &Path {
        &self.final_path
    }

    /// Rows taken so far (written, or gathered for the next row group).
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Finishes the file, syncs it and renames it over the final path, which it returns.
    pub(crate) fn commit(mut self) -> Result<PathBuf, ImportError> {
        self.write_pending()?;
        let final_path = self.final_path;
        let file =
            self.writer.into_inner().map_err(|source| ImportError::Parquet { path: final_path.clone(), source })?;
        file.sync_all().map_err(|source| ImportError::Write { path: final_path.clone(), source })?;
        self.temp_path
            .persist(&final_path)
            .map_err(|error| ImportError::Write { path: final_path.clone(), source: error.error })?;
        Ok(final_path)
    }
}
