//! Synthetic data for TOEX Federation (DESIGN §3): realistic, deterministic Parquet files for
//! every common-data-model table of one region, with cross-region overlap planted consistently
//! across regions generated separately, and a `ground_truth.json` naming every planted overlap.
//!
//! ```no_run
//! use toex_datagen::{GenOptions, generate, load_ground_truth};
//! let options = GenOptions { scale: 10_000, ..GenOptions::new("NWROCU") };
//! let report = generate(&options, std::path::Path::new("/tmp/toex/NWROCU")).unwrap();
//! let truth = load_ground_truth(&report.ground_truth_path).unwrap();
//! assert_eq!(truth.regions.len(), 10);
//! ```

mod error;
mod fields;
mod ids;
mod markings;
mod pick;
mod seed;
mod tables;
mod truth;
mod vocab;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use toex_common::cdm::{CdmTable, tables as cdm_tables};
use toex_common::regions::{REGIONS, region_by_code};

pub use error::GenError;
pub use fields::luhn_valid;
pub use truth::{GroundTruth, Overlap, OverlapKind, PlantedRecord, ground_truth, load_ground_truth};
pub use writer::{BATCH_ROWS, ROW_GROUP_ROWS, ROWS_PER_PART, part_file_name};

use tables::{RegionContext, TableCounts, generator_for};
use vocab::places::places_of;

/// Default number of persons per region.
pub const DEFAULT_SCALE: u64 = 2_000;
/// Default seed.
pub const DEFAULT_SEED: u64 = 42;
/// File name of the ground truth inside the output directory.
pub const GROUND_TRUTH_FILE: &str = "ground_truth.json";
/// File naming the layout of the files written, so that data written by an older generator is
/// made again rather than reused (a node refuses files without today's columns).
pub const FORMAT_FILE: &str = "FORMAT";
/// The layout written today: the common data model with the `marking_code` column, rows
/// clustered by it within each batch of [`BATCH_ROWS`].
pub const FORMAT: &str = "toex-cdm 3 (rows clustered by marking_code)";

/// True when `out_dir` holds a complete region written in today's [`FORMAT`]: the format file
/// is written last, so an interrupted or older run reads as absent.
pub fn is_current(out_dir: &Path) -> bool {
    std::fs::read_to_string(out_dir.join(FORMAT_FILE)).is_ok_and(|written| written.trim() == FORMAT)
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenOptions {
    /// Region code, one of `toex_common::regions::REGIONS`.
    pub region: String,
    /// Number of persons in the region; other tables are proportional.
    pub scale: u64,
    /// Seed: the same (region, scale, seed) always gives the same rows.
    pub seed: u64,
}

impl GenOptions {
    /// Options for `region` with the default scale (2,000 persons) and seed (42).
    pub fn new(region: &str) -> Self {
        Self { region: region.to_owned(), scale: DEFAULT_SCALE, seed: DEFAULT_SEED }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenReport {
    /// Region code.
    pub region: String,
    /// Each CDM table and its row count, in `cdm::tables()` order.
    pub tables: Vec<(String, u64)>,
    /// Where `ground_truth.json` was written.
    pub ground_truth_path: PathBuf,
}

/// Every region code, in `REGIONS` order: the list the ground truth is always built over.
pub fn all_region_codes() -> Vec<&'static str> {
    REGIONS.iter().map(|region| region.code).collect()
}

/// Writes every CDM table of the region to `<out_dir>/<table>/part-NNNNN.parquet`, the ground
/// truth (covering all regions) to `<out_dir>/ground_truth.json` and then the [`FORMAT_FILE`],
/// replacing earlier output.
pub fn generate(options: &GenOptions, out_dir: &Path) -> Result<GenReport, GenError> {
    let Some(region) = region_by_code(&options.region) else {
        return Err(GenError::UnknownRegion(options.region.clone(), all_region_codes().join(", ")));
    };
    if options.scale == 0 {
        return Err(GenError::InvalidScale(options.scale));
    }
    let (Some(position), Some(places)) =
        (REGIONS.iter().position(|candidate| candidate.code == region.code), places_of(region.code))
    else {
        return Err(GenError::UnknownRegion(options.region.clone(), all_region_codes().join(", ")));
    };
    std::fs::create_dir_all(out_dir).map_err(|source| GenError::io(out_dir, source))?;
    let truth = ground_truth(options.seed, &all_region_codes());
    let counts = TableCounts::new(options.scale, &truth, region.code);
    let context = RegionContext { seed: options.seed, code: region.code, position, places, counts, truth };
    write_tables_in_parallel(&context, out_dir)?;
    let ground_truth_path = out_dir.join(GROUND_TRUTH_FILE);
    truth::write_ground_truth(&context.truth, &ground_truth_path)?;
    let format_path = out_dir.join(FORMAT_FILE);
    std::fs::write(&format_path, format!("{FORMAT}\n")).map_err(|source| GenError::io(&format_path, source))?;
    let tables = cdm_tables()
        .iter()
        .map(|table| Ok((table.name.to_owned(), counts.of(table.name)?)))
        .collect::<Result<Vec<_>, GenError>>()?;
    Ok(GenReport { region: region.code.to_owned(), tables, ground_truth_path })
}

fn write_one_table(context: &RegionContext, table: &CdmTable, out_dir: &Path) -> Result<(), GenError> {
    let mut generator = generator_for(table.name, context)?;
    writer::write_table(out_dir, table, context.counts.of(table.name)?, generator.as_mut())
}

/// Writes the tables on up to one thread per core; each table has its own random stream, so
/// the result does not depend on scheduling.
fn write_tables_in_parallel(context: &RegionContext, out_dir: &Path) -> Result<(), GenError> {
    let all = cdm_tables();
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(all.len());
    let next_table = AtomicUsize::new(0);
    let failure: Mutex<Option<GenError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for _ in 0..workers {
            handles.push(scope.spawn(|| {
                loop {
                    let index = next_table.fetch_add(1, Ordering::Relaxed);
                    let Some(table) = all.get(index) else {
                        return Ok(());
                    };
                    write_one_table(context, table, out_dir)?;
                }
            }));
        }
        for handle in handles {
            let outcome = handle.join().unwrap_or_else(|_| Err(GenError::WorkerPanicked(context.code.to_owned())));
            if let Err(error) = outcome {
                let mut slot = failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                slot.get_or_insert(error);
            }
        }
    });
    match failure.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}
