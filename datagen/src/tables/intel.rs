//! `intel_reports`: 3x5x2-graded reports (~2 % legacy 5x5x5 grades kept as recorded) over the
//! last three years, with a templated summary and links to persons, phones, vehicles and
//! addresses. The first reports mention the planted deal lines and people, so national searches
//! for them also find intelligence.

use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder, TimestampMicrosecondBuilder};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use toex_common::cdm::EXPLOITATION_TYPES;

use super::markings::{LinkedIds, MarkingBuilders};
use super::{RegionContext, TableGenerator, random_number};
use crate::error::GenError;
use crate::fields::{MICROS_PER_DAY, recent_day};
use crate::pick::WeightedPick;
use crate::seed::stream;
use crate::vocab::lists::{EXPLOITATION_WEIGHTS, SUMMARY_TEMPLATES};

/// Share of reports graded under the legacy 5x5x5 scheme.
const LEGACY_SHARE: f64 = 0.02;
/// Current grading scheme name.
const CURRENT_SCHEME: &str = "3x5x2";
/// Legacy grading scheme name.
const LEGACY_SCHEME: &str = "5x5x5-legacy";
/// Share of reports linked to a person.
const PERSON_LINK_SHARE: f64 = 0.75;
/// Share of reports linked to a phone.
const PHONE_LINK_SHARE: f64 = 0.45;
/// Share of reports linked to a vehicle.
const VEHICLE_LINK_SHARE: f64 = 0.25;
/// Share of reports linked to an address.
const ADDRESS_LINK_SHARE: f64 = 0.35;

/// Generates `intel_reports` rows.
pub(crate) struct IntelGenerator {
    context: RegionContext,
    rng: ChaCha8Rng,
    planted_phones: u64,
    planted_persons: u64,
    exploitation: WeightedPick<usize>,
    source_grades: WeightedPick<&'static str>,
    assessment_grades: WeightedPick<&'static str>,
    links: [LinkedIds; 4],
    markings: MarkingBuilders,
    reported_at: TimestampMicrosecondBuilder,
    grading_scheme: StringBuilder,
    source_evaluation: StringBuilder,
    intelligence_assessment: StringBuilder,
    exploitation_type: StringBuilder,
    summary: StringBuilder,
    link_columns: [StringBuilder; 4],
}

impl IntelGenerator {
    pub(crate) fn new(context: &RegionContext) -> Result<Self, GenError> {
        let exploitation: Vec<(usize, u32)> = (0..EXPLOITATION_TYPES.len()).zip(EXPLOITATION_WEIGHTS).collect();
        Ok(Self {
            rng: stream(context.seed, &[context.code, "intel_reports"]),
            planted_phones: context.truth.planted(context.code, "phones").len() as u64,
            planted_persons: context.truth.planted(context.code, "persons").len() as u64,
            exploitation: WeightedPick::new(&exploitation),
            source_grades: WeightedPick::new(&[("1", 20), ("2", 55), ("3", 25)]),
            assessment_grades: WeightedPick::new(&[("A", 10), ("B", 35), ("C", 35), ("D", 12), ("E", 8)]),
            links: [
                LinkedIds::new(context.code, "persons")?,
                LinkedIds::new(context.code, "phones")?,
                LinkedIds::new(context.code, "vehicles")?,
                LinkedIds::new(context.code, "addresses")?,
            ],
            markings: MarkingBuilders::new(context.code, "intel_reports")?,
            context: context.clone(),
            reported_at: TimestampMicrosecondBuilder::new(),
            grading_scheme: StringBuilder::new(),
            source_evaluation: StringBuilder::new(),
            intelligence_assessment: StringBuilder::new(),
            exploitation_type: StringBuilder::new(),
            summary: StringBuilder::new(),
            link_columns: std::array::from_fn(|_| StringBuilder::new()),
        })
    }

    fn append_grades(&mut self) {
        if self.rng.random_bool(LEGACY_SHARE) {
            // Legacy 5x5x5: source A-E, intelligence 1-5, kept exactly as recorded.
            self.grading_scheme.append_value(LEGACY_SCHEME);
            self.source_evaluation.append_value(["A", "B", "C", "D", "E"][self.rng.random_range(0..5)]);
            self.intelligence_assessment.append_value(["1", "2", "3", "4", "5"][self.rng.random_range(0..5)]);
            return;
        }
        self.grading_scheme.append_value(CURRENT_SCHEME);
        self.source_evaluation.append_value(self.source_grades.pick(&mut self.rng));
        self.intelligence_assessment.append_value(self.assessment_grades.pick(&mut self.rng));
    }

    fn summary_text(&mut self, exploitation: usize) -> String {
        let templates = SUMMARY_TEMPLATES[exploitation];
        let template = templates[self.rng.random_range(0..templates.len())];
        let town = self.context.random_area(&mut self.rng).town;
        let other = self.context.random_area(&mut self.rng).town;
        template.replace("{town}", town).replace("{other}", other)
    }

    /// Appends one linked id (or null). `forced` links a planted record regardless of chance.
    fn append_link(&mut self, slot: usize, share: f64, count: u64, forced: Option<u64>) {
        let number = forced.or_else(|| self.rng.random_bool(share).then(|| random_number(&mut self.rng, count)));
        match number {
            Some(number) => self.link_columns[slot].append_value(self.links[slot].id(number)),
            None => self.link_columns[slot].append_null(),
        }
    }
}

impl TableGenerator for IntelGenerator {
    fn append_row(&mut self, number: u64) {
        let area = self.context.random_area(&mut self.rng);
        self.markings.append(&mut self.rng, number, area.force);
        let day = i64::from(recent_day(&mut self.rng));
        let micros = day * MICROS_PER_DAY + self.rng.random_range(0..MICROS_PER_DAY);
        self.reported_at.append_value(micros);
        self.append_grades();
        let planted_phone = (number <= self.planted_phones).then_some(number);
        let planted_person = (number > self.planted_phones && number <= self.planted_phones + self.planted_persons)
            .then(|| number - self.planted_phones);
        let exploitation = if planted_phone.is_some() { 0 } else { self.exploitation.pick(&mut self.rng) };
        self.exploitation_type.append_value(EXPLOITATION_TYPES[exploitation]);
        let summary = self.summary_text(exploitation);
        self.summary.append_value(summary);
        let counts = self.context.counts;
        self.append_link(0, PERSON_LINK_SHARE, counts.persons, planted_person);
        self.append_link(1, PHONE_LINK_SHARE, counts.phones, planted_phone);
        self.append_link(2, VEHICLE_LINK_SHARE, counts.vehicles, None);
        self.append_link(3, ADDRESS_LINK_SHARE, counts.addresses, None);
    }

    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns = self.markings.finish();
        columns.extend::<[ArrayRef; 6]>([
            Arc::new(self.reported_at.finish()),
            Arc::new(self.grading_scheme.finish()),
            Arc::new(self.source_evaluation.finish()),
            Arc::new(self.intelligence_assessment.finish()),
            Arc::new(self.exploitation_type.finish()),
            Arc::new(self.summary.finish()),
        ]);
        for column in &mut self.link_columns {
            columns.push(Arc::new(column.finish()));
        }
        RecordBatch::try_new(schema.clone(), columns)
    }
}
