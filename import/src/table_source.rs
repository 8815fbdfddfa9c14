//! Opens an extra dataset as a stream of Arrow record batches: CSV with a header (schema inferred
//! by arrow-csv over the whole file, then read again in batches) or Parquet.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::csv::ReaderBuilder;
use arrow::csv::reader::Format;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::ImportError;
use crate::police_uk::BATCH_ROWS;

/// A stream of batches read from a source file.
pub(crate) type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>;

/// Opens `path` by its extension (`.csv` or `.parquet`, any case).
pub(crate) fn open_batches(path: &Path) -> Result<(SchemaRef, Batches), ImportError> {
    let extension = path.extension().and_then(|ext| ext.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv") => open_csv(path),
        Some("parquet") => open_parquet(path),
        _ => Err(ImportError::UnsupportedFormat { path: path.to_owned() }),
    }
}

fn open(path: &Path) -> Result<File, ImportError> {
    File::open(path).map_err(|source| ImportError::Read { path: path.to_owned(), source })
}

fn open_csv(path: &Path) -> Result<(SchemaRef, Batches), ImportError> {
    let arrow_error = |source| ImportError::Arrow { path: path.to_owned(), source };
    let format = Format::default().with_header(true);
    // Inferring over every record costs a second pass but never guesses a type from a sample.
    let (schema, _records) = format.infer_schema(open(path)?, None).map_err(arrow_error)?;
    let schema = Arc::new(schema);
    let reader = ReaderBuilder::new(schema.clone())
        .with_format(format)
        .with_batch_size(BATCH_ROWS)
        .build(open(path)?)
        .map_err(arrow_error)?;
    Ok((schema, Box::new(reader)))
}

fn open_parquet(path: &Path) -> Result<(SchemaRef, Batches), ImportError> {
    let parquet_error = |source| ImportError::Parquet { path: path.to_owned(), source };
    let builder = ParquetRecordBatchReaderBuilder::try_new(open(path)?).map_err(parquet_error)?;
    let schema = builder.schema().clone();
    let reader = builder.with_batch_size(BATCH_ROWS).build().map_err(parquet_error)?;
    Ok((schema, Box::new(reader)))
}
