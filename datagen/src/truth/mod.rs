//! The ground truth: every planted cross-region overlap (shared deal lines, OCGs spanning
//! regions, the same person under variant spellings, shared vehicles), derived only from the
//! seed and the full region list so that regions generated separately agree on it.

mod build;
mod variants;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::GenError;

pub use build::ground_truth;

/// What kind of overlap was planted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverlapKind {
    /// The same drama-range msisdn in the phones of 2-4 regions, `deal_line = true`.
    SharedDealLine,
    /// The same OCG (`national_ref` and name) in 2-3 regions.
    SpanningOcg,
    /// The same person (same dob) recorded under variant names in two regions.
    VariantPerson,
    /// The same VRM in the vehicles of two regions.
    SharedVehicle,
}

/// One planted record, as one region recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedRecord {
    /// Region code.
    pub region: String,
    /// CDM table holding the record.
    pub table: String,
    /// The record's id in that region, e.g. `NWROCU-P-00000001`.
    pub record_id: String,
    /// Column values as recorded (dates `YYYY-MM-DD`, flags `true`/`false`).
    pub values: BTreeMap<String, String>,
}

/// One planted overlap and every record that makes it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overlap {
    /// What was planted.
    pub kind: OverlapKind,
    /// The shared identifier: msisdn, national_ref, VRM, or canonical name and dob.
    pub identifier: String,
    /// For variant persons, how the names differ (spelling, nickname, transposed ...).
    pub detail: Option<String>,
    /// The records, one per region involved (region-list order, except variant persons:
    /// first and second recording).
    pub records: Vec<PlantedRecord>,
}

/// Everything planted for a seed and region list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// The seed the data was generated from.
    pub seed: u64,
    /// The region codes the overlaps are spread over.
    pub regions: Vec<String>,
    /// Every planted overlap.
    pub overlaps: Vec<Overlap>,
}

impl GroundTruth {
    /// The planted records of one region's table, in record-number order.
    pub fn planted(&self, region: &str, table: &str) -> Vec<&PlantedRecord> {
        self.overlaps
            .iter()
            .flat_map(|overlap| overlap.records.iter())
            .filter(|record| record.region == region && record.table == table)
            .collect()
    }

    /// The overlaps of one kind.
    pub fn of_kind(&self, kind: OverlapKind) -> impl Iterator<Item = &Overlap> {
        self.overlaps.iter().filter(move |overlap| overlap.kind == kind)
    }
}

/// Reads a `ground_truth.json` written by [`crate::generate`].
pub fn load_ground_truth(path: &Path) -> Result<GroundTruth, GenError> {
    let text = std::fs::read_to_string(path).map_err(|source| GenError::io(path, source))?;
    serde_json::from_str(&text).map_err(|source| GenError::GroundTruth { path: path.to_owned(), source })
}

/// Writes the ground truth as pretty JSON (atomically: temporary file, then rename).
pub(crate) fn write_ground_truth(truth: &GroundTruth, path: &Path) -> Result<(), GenError> {
    let text = serde_json::to_string_pretty(truth)
        .map_err(|source| GenError::GroundTruth { path: path.to_owned(), source })?;
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text + "\n").map_err(|source| GenError::io(&temporary, source))?;
    std::fs::rename(&temporary, path).map_err(|source| GenError::io(path, source))
}
