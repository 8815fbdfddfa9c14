//! The data.police.uk street-level crime importer: streams each CSV record by record, assigns
//! rows to regions by the force they fall within, and writes one Parquet file per source file and
//! region under `<out_dir>/<REGION>/crimes/`, named after the source file so that a re-import
//! replaces it. Rows that cannot be parsed are reported with file and line.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use csv::StringRecord;
use toex_common::regions::REGIONS;
use tracing::{debug, info, instrument};

use crate::crime_batch::{CrimeBatchBuilder, crimes_schema};
use crate::crime_row::{RejectReason, is_police_uk_header, parse_crime_row};
use crate::error::ImportError;
use crate::layout::{CRIMES_TABLE, output_path, source_stem, table_dir};
use crate::parquet_sink::ParquetSink;
use crate::report::{ImportReport, RejectedRow};

/// Rows gathered per region before a batch is handed to the Parquet writer.
pub const BATCH_ROWS: usize = 8_192;

/// Rejected rows listed per file; further rejections are counted only, so a file of garbage
/// cannot make the report grow without bound.
pub const MAX_LISTED_REJECTIONS_PER_FILE: usize = 1_000;

type CsvReader = csv::Reader<BufReader<File>>;

/// A source file and the stem that identifies it in output names and record ids.
struct Source<'p> {
    path: &'p Path,
    stem: String,
}

/// Imports street-level crime CSVs into `<out_dir>/<REGION>/crimes/`.
///
/// Every file's name and header are checked before anything is written, so an unknown header or
/// two files with the same name fail the call without changing the output. Each file is then
/// published atomically; a file that is imported again replaces its earlier rows.
#[instrument(skip_all, fields(files = files.len(), out_dir = %out_dir.display()))]
pub fn import_police_uk(out_dir: &Path, files: &[PathBuf]) -> Result<ImportReport, ImportError> {
    let sources = check_sources(files)?;
    let mut report = ImportReport::default();
    for source in &sources {
        import_file(out_dir, source, &mut report)?;
        report.files += 1;
    }
    info!(
        files = report.files,
        rows = report.total_rows(),
        rejected = report.total_rejected(),
        "police.uk import finished"
    );
    Ok(report)
}

/// Checks every file's header, and that no two files share a stem.
fn check_sources(files: &[PathBuf]) -> Result<Vec<Source<'_>>, ImportError> {
    let mut seen: BTreeMap<String, &Path> = BTreeMap::new();
    let mut sources = Vec::with_capacity(files.len());
    for path in files {
        let stem = source_stem(path)?;
        if let Some(first) = seen.insert(stem.clone(), path) {
            return Err(ImportError::DuplicateSource { stem, first: first.to_owned(), second: path.clone() });
        }
        open_checked(path)?;
        sources.push(Source { path, stem });
    }
    Ok(sources)
}

/// Opens a CSV and checks that it starts with the published header.
fn open_checked(path: &Path) -> Result<CsvReader, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Read { path: path.to_owned(), source })?;
    // Records end at `\n` only: with the default CRLF terminator the csv crate reports the line
    // of every record after a `\r\n` one short. The `\r` left at the end of the last field is
    // removed when the row is parsed.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(BufReader::new(file));
    let header = reader.headers().map_err(|source| ImportError::Csv { path: path.to_owned(), line: 1, source })?;
    if !is_police_uk_header(header) {
        return Err(ImportError::UnknownHeader {
            path: path.to_owned(),
            found: header.iter().map(|name| name.trim().to_owned()).collect(),
        });
    }
    Ok(reader)
}

/// The Parquet file of one region being written from one source file.
struct RegionOutput {
    builder: CrimeBatchBuilder,
    sink: ParquetSink,
}

impl RegionOutput {
    fn flush(&mut self) -> Result<(), ImportError> {
        if self.builder.len() == 0 {
            return Ok(());
        }
        let batch =
            self.builder.finish().map_err(|source| ImportError::Arrow { path: self.sink.path().to_owned(), source })?;
        self.sink.write(&batch)
    }
}

/// Imports one file, adding its rows, rejections and outputs to `report`.
#[instrument(skip_all, fields(file = %source.path.display()))]
fn import_file(out_dir: &Path, source: &Source<'_>, report: &mut ImportReport) -> Result<(), ImportError> {
    let mut reader = open_checked(source.path)?;
    let mut outputs: BTreeMap<&'static str, RegionOutput> = BTreeMap::new();
    let mut rejections = Rejections::new(source.path);
    let mut record = StringRecord::new();
    let mut record_id = String::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                let csv::ErrorKind::Utf8 { pos, .. } = error.kind() else {
                    let line = error.position().map_or(0, csv::Position::line);
                    return Err(ImportError::Csv { path: source.path.to_owned(), line, source: error });
                };
                rejections.add(pos.as_ref().map_or(0, csv::Position::line), RejectReason::InvalidUtf8);
                continue;
            }
        }
        let line = record.position().map_or(0, csv::Position::line);
        let row = match parse_crime_row(&record) {
            Ok(row) => row,
            Err(reason) => {
                rejections.add(line, reason);
                continue;
            }
        };
        let output = match outputs.entry(row.region) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let dir = table_dir(out_dir, row.region, CRIMES_TABLE);
                let sink = ParquetSink::create(&output_path(&dir, &source.stem), crimes_schema())?;
                entry.insert(RegionOutput { builder: CrimeBatchBuilder::new(), sink })
            }
        };
        record_id.clear();
        // Writing to a String cannot fail.
        let _ = write!(record_id, "{}:{line}", source.stem);
        output.builder.append(&record_id, &row);
        if output.builder.len() >= BATCH_ROWS {
            output.flush()?;
        }
    }
    for output in outputs.values_mut() {
        output.flush()?;
    }
    let written: Vec<&str> = outputs.keys().copied().collect();
    for (region, output) in outputs {
        let rows = output.sink.rows();
        report.outputs.push(output.sink.commit()?);
        *report.rows_by_region.entry(region.to_owned()).or_default() += rows;
    }
    remove_stale_outputs(out_dir, &source.stem, &written)?;
    info!(regions = written.len(), rejected = rejections.total(), "file imported");
    rejections.into_report(report);
    Ok(())
}

/// Removes what an earlier import of the same source wrote for regions this import has no rows
/// for (a changed file whose rows moved, or a file whose rows are now all rejected).
fn remove_stale_outputs(out_dir: &Path, stem: &str, written: &[&str]) -> Result<(), ImportError> {
    for region in REGIONS.iter().filter(|region| !written.contains(&region.code)) {
        let stale = output_path(&table_dir(out_dir, region.code, CRIMES_TABLE), stem);
        match std::fs::remove_file(&stale) {
            Ok(()) => debug!(path = %stale.display(), "removed output of an earlier import"),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(ImportError::Write { path: stale, source });
            }
        }
    }
    Ok(())
}

/// The rejected rows of one file, listed up to [`MAX_LISTED_REJECTIONS_PER_FILE`].
struct Rejections<'p> {
    file: &'p Path,
    listed: Vec<RejectedRow>,
    unlisted: u64,
}

impl<'p> Rejections<'p> {
    fn new(file: &'p Path) -> Self {
        Self { file, listed: Vec::new(), unlisted: 0 }
    }

    fn add(&mut self, line: u64, reason: RejectReason) {
        if self.listed.len() >= MAX_LISTED_REJECTIONS_PER_FILE {
            self.unlisted += 1;
            return;
        }
        self.listed.push(RejectedRow { file: self.file.to_owned(), line, reason });
    }

    fn total(&self) -> u64 {
        self.listed.len() as u64 + self.unlisted
    }

    fn into_report(self, report: &mut ImportReport) {
        report.rejected.extend(self.listed);
        report.rejected_unlisted += self.unlisted;
    }
}
