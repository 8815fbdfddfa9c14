//! Streams a table to Parquet: batches of [`BATCH_ROWS`] rows, each clustered by
//! `marking_code`, through an `ArrowWriter` (Snappy, row groups of [`ROW_GROUP_ROWS`], page
//! statistics), so memory does not grow with the table size. Files are written under a
//! temporary name and renamed into place.

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use toex_common::cdm::CdmTable;
use toex_common::markings::cluster_by_marking_code;

use crate::error::GenError;
use crate::tables::TableGenerator;

/// Rows generated per Arrow record batch.
pub const BATCH_ROWS: usize = 65_536;
/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 131_072;
/// Rows per Parquet file (`part-NNNNN.parquet`) before a new part is started.
pub const ROWS_PER_PART: u64 = 8_388_608;

/// The file name of part `index` of a table.
pub fn part_file_name(index: u64) -> String {
    format!("part-{index:05}.parquet")
}

fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        .build()
}

/// Writes `total_rows` rows of `table` (numbered from 1) into `<out_dir>/<table>/part-*.parquet`,
/// replacing earlier output of that table.
pub(crate) fn write_table(
    out_dir: &Path,
    table: &CdmTable,
    total_rows: u64,
    generator: &mut dyn TableGenerator,
) -> Result<(), GenError> {
    let table_dir = out_dir.join(table.name);
    std::fs::create_dir_all(&table_dir).map_err(|source| GenError::io(&table_dir, source))?;
    let parts = total_rows.div_ceil(ROWS_PER_PART).max(1);
    for part in 0..parts {
        let first = part * ROWS_PER_PART + 1;
        let last = ((part + 1) * ROWS_PER_PART).min(total_rows);
        write_part(&table_dir.join(part_file_name(part)), table, first, last, generator)?;
    }
    remove_stale_parts(&table_dir, parts)
}

fn write_part(
    path: &Path,
    table: &CdmTable,
    first: u64,
    last: u64,
    generator: &mut dyn TableGenerator,
) -> Result<(), GenError> {
    let temporary = path.with_extension("parquet.tmp");
    let parquet_error = |source| GenError::Parquet { path: path.to_owned(), source };
    let file = File::create(&temporary).map_err(|source| GenError::io(&temporary, source))?;
    let mut writer =
        ArrowWriter::try_new(file, table.schema.clone(), Some(writer_properties())).map_err(parquet_error)?;
    let mut next = first;
    while next <= last {
        let rows = (last - next + 1).min(BATCH_ROWS as u64);
        for number in next..next + rows {
            generator.append_row(number);
        }
        let arrow_error = |source| GenError::Arrow { table: table.name.to_owned(), source };
        let batch = generator.finish_batch(&table.schema).map_err(arrow_error)?;
        let batch = cluster_by_marking_code(batch).map_err(arrow_error)?;
        writer.write(&batch).map_err(parquet_error)?;
        next += rows;
    }
    writer.close().map_err(parquet_error)?;
    std::fs::rename(&temporary, path).map_err(|source| GenError::io(path, source))
}

/// Deletes `part-NNNNN.parquet` files left by an earlier, larger run.
fn remove_stale_parts(table_dir: &Path, parts: u64) -> Result<(), GenError> {
    let entries = std::fs::read_dir(table_dir).map_err(|source| GenError::io(table_dir, source))?;
    let current: Vec<String> = (0..parts).map(part_file_name).collect();
    for entry in entries {
        let entry = entry.map_err(|source| GenError::io(table_dir, source))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_part = name.starts_with("part-") && name.ends_with(".parquet");
        if is_part && !current.contains(&name) {
            let stale: PathBuf = entry.path();
            std::fs::remove_file(&stale).map_err(|source| GenError::io(&stale, source))?;
        }
    }
    Ok(())
}
