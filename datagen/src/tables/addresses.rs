//! `addresses`: house or flat lines on plausible streets, the area's post town, a normalised
//! postcode of a real area of the region, coordinates near the area centre, ~1 % cuckooed.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Float64Builder, StringBuilder};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::geo::{coordinates, postcode, street};
use super::markings::MarkingBuilders;
use super::{RegionContext, TableGenerator};
use crate::error::GenError;
use crate::seed::stream;

/// Share of addresses flagged cuckooed (taken over by a drug line).
const CUCKOOED_SHARE: f64 = 0.01;
/// Share of addresses that are flats.
const FLAT_SHARE: f64 = 0.2;
/// Highest house number used.
const MAX_HOUSE_NUMBER: u32 = 240;

/// Generates `addresses` rows.
pub(crate) struct AddressesGenerator {
    context: RegionContext,
    rng: ChaCha8Rng,
    markings: MarkingBuilders,
    line1: StringBuilder,
    town: StringBuilder,
    postcode: StringBuilder,
    latitude: Float64Builder,
    longitude: Float64Builder,
    cuckooed: BooleanBuilder,
}

impl AddressesGenerator {
    pub(crate) fn new(context: &RegionContext) -> Result<Self, GenError> {
        Ok(Self {
            rng: stream(context.seed, &[context.code, "addresses"]),
            markings: MarkingBuilders::new(context.code, "addresses")?,
            context: context.clone(),
            line1: StringBuilder::new(),
            town: StringBuilder::new(),
            postcode: StringBuilder::new(),
            latitude: Float64Builder::new(),
            longitude: Float64Builder::new(),
            cuckooed: BooleanBuilder::new(),
        })
    }
}

impl TableGenerator for AddressesGenerator {
    fn append_row(&mut self, number: u64) {
        let area = self.context.random_area(&mut self.rng);
        self.markings.append(&mut self.rng, number, area.force);
        let house = self.rng.random_range(1..=MAX_HOUSE_NUMBER);
        let street_name = street(&mut self.rng);
        let line = if self.rng.random_bool(FLAT_SHARE) {
            format!("Flat {}, {house} {street_name}", self.rng.random_range(1..=24))
        } else {
            format!("{house} {street_name}")
        };
        self.line1.append_value(line);
        self.town.append_value(area.town);
        self.postcode.append_value(postcode(&mut self.rng, area));
        let (latitude, longitude) = coordinates(&mut self.rng, area);
        self.latitude.append_value(latitude);
        self.longitude.append_value(longitude);
        self.cuckooed.append_value(self.rng.random_bool(CUCKOOED_SHARE));
    }

    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns = self.markings.finish();
        columns.extend::<[ArrayRef; 6]>([
            Arc::new(self.line1.finish()),
            Arc::new(self.town.finish()),
            Arc::new(self.postcode.finish()),
            Arc::new(self.latitude.finish()),
            Arc::new(self.longitude.finish()),
            Arc::new(self.cuckooed.finish()),
        ]);
        RecordBatch::try_new(schema.clone(), columns)
    }
}
