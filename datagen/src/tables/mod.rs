//! One generator per CDM table. Each appends rows by record number (1-based) and hands back
//! Arrow batches; planted records (from the ground truth) take the first numbers.

mod addresses;
mod crimes;
mod geo;
mod intel;
mod markings;
mod ocgs;
mod persons;
mod phones;
mod vehicles;

use std::collections::BTreeMap;

use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use rand::Rng;

use crate::error::GenError;
use crate::truth::GroundTruth;
use crate::vocab::places::{PostcodeArea, RegionPlaces};

/// Builds rows of one table into Arrow arrays.
pub(crate) trait TableGenerator: Send {
    /// Appends the row with this record number.
    fn append_row(&mut self, number: u64);
    /// Returns the rows appended since the last call as a batch of `schema`.
    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError>;
}

/// Minimum OCGs per region, whatever the scale.
const MIN_OCGS: u64 = 5;
/// Persons per OCG.
const PERSONS_PER_OCG: u64 = 200;
/// Members recorded per OCG.
pub(crate) const MEMBERS_PER_OCG: u64 = 6;

/// Row counts of every table for one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableCounts {
    pub persons: u64,
    pub phones: u64,
    pub vehicles: u64,
    pub addresses: u64,
    pub ocgs: u64,
    pub ocg_members: u64,
    pub intel_reports: u64,
    pub crimes: u64,
}

impl TableCounts {
    /// Counts proportional to `scale` (persons), never fewer than the planted records.
    pub(crate) fn new(scale: u64, truth: &GroundTruth, region: &str) -> Self {
        let at_least_planted = |table: &str, wanted: u64| wanted.max(truth.planted(region, table).len() as u64).max(1);
        let ocgs = at_least_planted("ocgs", MIN_OCGS.max(scale / PERSONS_PER_OCG));
        Self {
            persons: at_least_planted("persons", scale),
            phones: at_least_planted("phones", scale * 6 / 5),
            vehicles: at_least_planted("vehicles", scale * 3 / 5),
            addresses: at_least_planted("addresses", scale * 4 / 5),
            ocgs,
            ocg_members: ocgs * MEMBERS_PER_OCG,
            intel_reports: at_least_planted("intel_reports", scale * 2),
            crimes: at_least_planted("crimes", scale * 3),
        }
    }

    /// The count of a table, by name.
    pub(crate) fn of(&self, table: &str) -> Result<u64, GenError> {
        let count = match table {
            "persons" => self.persons,
            "phones" => self.phones,
            "vehicles" => self.vehicles,
            "addresses" => self.addresses,
            "ocgs" => self.ocgs,
            "ocg_members" => self.ocg_members,
            "intel_reports" => self.intel_reports,
            "crimes" => self.crimes,
            other => return Err(GenError::UnknownTable(other.to_owned())),
        };
        Ok(count)
    }
}

/// Everything a table generator needs to know about the region being generated.
#[derive(Debug, Clone)]
pub(crate) struct RegionContext {
    pub seed: u64,
    pub code: &'static str,
    /// Position of the region in `REGIONS` (selects its bulk mobile prefixes).
    pub position: usize,
    pub places: &'static RegionPlaces,
    pub counts: TableCounts,
    pub truth: GroundTruth,
}

impl RegionContext {
    /// A random postcode area of the region (its force owns the row).
    pub(crate) fn random_area(&self, rng: &mut impl Rng) -> &'static PostcodeArea {
        &self.places.areas[rng.random_range(0..self.places.areas.len())]
    }

    /// The values of the planted records of a table, in record-number order.
    pub(crate) fn planted_values(&self, table: &str) -> Vec<BTreeMap<String, String>> {
        self.truth.planted(self.code, table).into_iter().map(|record| record.values.clone()).collect()
    }
}

/// A random record number in `1..=count` (for linked ids).
pub(crate) fn random_number(rng: &mut impl Rng, count: u64) -> u64 {
    rng.random_range(1..=count.max(1))
}

/// The generator of a table, by name.
pub(crate) fn generator_for(table: &str, context: &RegionContext) -> Result<Box<dyn TableGenerator>, GenError> {
    let generator: Box<dyn TableGenerator> = match table {
        "persons" => Box::new(persons::PersonsGenerator::new(context)?),
        "phones" => Box::new(phones::PhonesGenerator::new(context)?),
        "vehicles" => Box::new(vehicles::VehiclesGenerator::new(context)?),
        "addresses" => Box::new(addresses::AddressesGenerator::new(context)?),
        "ocgs" => Box::new(ocgs::OcgsGenerator::new(context)?),
        "ocg_members" => Box::new(ocgs::MembersGenerator::new(context)?),
        "intel_reports" => Box::new(intel::IntelGenerator::new(context)?),
        "crimes" => Box::new(crimes::CrimesGenerator::new(context)?),
        other => return Err(GenError::UnknownTable(other.to_owned())),
    };
    Ok(generator)
}
