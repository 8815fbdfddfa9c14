//! An atomically published Parquet file: batches are written to a hidden temporary file in the
//! table directory, which is synced and renamed over the final name only on commit. A node never
//! sees a half-written file (it reads `*.parquet` only), and an abandoned sink leaves nothing.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use tempfile::TempPath;

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
        let writer = ArrowWriter::try_new(file, schema, Some(properties))
            .map_err(|source| ImportError::Parquet { path: final_path.to_owned(), source })?;
        Ok(Self { writer, temp_path, final_path: final_path.to_owned(), rows: 0 })
    }

    /// Writes one batch (the writer flushes a row group every [`ROW_GROUP_ROWS`] rows).
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), ImportError> {
        self.writer.write(batch).map_err(|source| ImportError::Parquet { path: self.final_path.clone(), source })?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// The path the file is published under.
    pub(crate) fn path(&self) -> &Path {
        &self.final_path
    }

    /// Rows written so far.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Finishes the file, syncs it and renames it over the final path, which it returns.
    pub(crate) fn commit(self) -> Result<PathBuf, ImportError> {
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
