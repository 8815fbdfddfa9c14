//! Reading and rewriting one Parquet file of a region's data, for tests that tamper with what a
//! node loads.

use std::fs::File;
use std::path::Path;

use arrow::array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Every batch of the Parquet file at `path`.
pub fn read(path: &Path) -> anyhow::Result<Vec<RecordBatch>> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?)?.build()?;
    Ok(reader.collect::<Result<_, _>>()?)
}

/// Replaces the file at `path` with `batches` (at least one, all of one schema).
pub fn write(path: &Path, batches: &[RecordBatch]) -> anyhow::Result<()> {
    let first = batches.first().ok_or_else(|| anyhow::anyhow!("nothing to write to {}", path.display()))?;
    let mut writer = ArrowWriter::try_new(File::create(path)?, first.schema(), None)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.close()?;
    Ok(())
}
