//! `vehicles`: current-format VRMs with the region's memory tags, realistic makes, models and
//! colours; planted shared vehicles first (and never duplicated by a random plate).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::markings::{LinkedIds, MarkingBuilders};
use super::{RegionContext, TableGenerator, random_number};
use crate::error::GenError;
use crate::fields::vrm;
use crate::pick::WeightedPick;
use crate::seed::stream;
use crate::truth::OverlapKind;
use crate::vocab::lists::{COLOURS, VEHICLES};
use crate::vocab::places::memory_tags;

/// Share of vehicles with a known registered keeper.
const KEEPER_SHARE: f64 = 0.8;

/// A make and its models.
type MakeModels = (&'static str, &'static [&'static str]);

/// Generates `vehicles` rows.
pub(crate) struct VehiclesGenerator {
    context: RegionContext,
    rng: ChaCha8Rng,
    planted: Vec<BTreeMap<String, String>>,
    /// Every planted VRM in any region, so random plates never collide with them.
    planted_vrms: HashSet<String>,
    memory_tags: Vec<String>,
    makes: WeightedPick<MakeModels>,
    colours: WeightedPick<&'static str>,
    persons: LinkedIds,
    markings: MarkingBuilders,
    vrm: StringBuilder,
    make: StringBuilder,
    model: StringBuilder,
    colour: StringBuilder,
    keeper_person_id: StringBuilder,
}

impl VehiclesGenerator {
    pub(crate) fn new(context: &RegionContext) -> Result<Self, GenError> {
        let makes: Vec<(MakeModels, u32)> =
            VEHICLES.iter().map(|(make, models, weight)| ((*make, *models), *weight)).collect();
        Ok(Self {
            rng: stream(context.seed, &[context.code, "vehicles"]),
            planted: context.planted_values("vehicles"),
            planted_vrms: context
                .truth
                .of_kind(OverlapKind::SharedVehicle)
                .map(|overlap| overlap.identifier.clone())
                .collect(),
            memory_tags: memory_tags(context.places),
            makes: WeightedPick::new(&makes),
            colours: WeightedPick::new(COLOURS),
            persons: LinkedIds::new(context.code, "persons")?,
            markings: MarkingBuilders::new(context.code, "vehicles")?,
            context: context.clone(),
            vrm: StringBuilder::new(),
            make: StringBuilder::new(),
            model: StringBuilder::new(),
            colour: StringBuilder::new(),
            keeper_person_id: StringBuilder::new(),
        })
    }

    fn append_random(&mut self) {
        let mut plate = vrm(&mut self.rng, &self.memory_tags);
        while self.planted_vrms.contains(&plate) {
            plate = vrm(&mut self.rng, &self.memory_tags);
        }
        let (make, models) = self.makes.pick(&mut self.rng);
        self.vrm.append_value(plate);
        self.make.append_value(make);
        self.model.append_value(models[self.rng.random_range(0..models.len())]);
        self.colour.append_value(self.colours.pick(&mut self.rng));
    }
}

impl TableGenerator for VehiclesGenerator {
    fn append_row(&mut self, number: u64) {
        let area = self.context.random_area(&mut self.rng);
        self.markings.append(&mut self.rng, number, area.force);
        match usize::try_from(number - 1).ok().and_then(|index| self.planted.get(index)) {
            Some(values) => {
                let text = |key: &str| values.get(key).map_or("", String::as_str);
                self.vrm.append_value(text("vrm"));
                self.make.append_value(text("make"));
                self.model.append_value(text("model"));
                self.colour.append_value(text("colour"));
            }
            None => self.append_random(),
        }
        if self.rng.random_bool(KEEPER_SHARE) {
            let person = random_number(&mut self.rng, self.context.counts.persons);
            self.keeper_person_id.append_value(self.persons.id(person));
        } else {
            self.keeper_person_id.append_null();
        }
    }

    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns = self.markings.finish();
        columns.extend::<[ArrayRef; 5]>([
            Arc::new(self.vrm.finish()),
            Arc::new(self.make.finish()),
            Arc::new(self.model.finish()),
            Arc::new(self.colour.finish()),
            Arc::new(self.keeper_person_id.finish()),
        ]);
        RecordBatch::try_new(schema.clone(), columns)
    }
}
