//! `ocgs` and `ocg_members`: named groups ("The Moss Side Crew", "Kestrel Line", "Khan family
//! network") with exploitation type, harm score and status; planted spanning OCGs first; six
//! members per group, the first its principal.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Builder, StringBuilder};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use toex_common::cdm::EXPLOITATION_TYPES;

use super::markings::{LinkedIds, MarkingBuilders};
use super::{MEMBERS_PER_OCG, RegionContext, TableGenerator, random_number};
use crate::error::GenError;
use crate::pick::WeightedPick;
use crate::seed::stream;
use crate::vocab::lists::{
    EXPLOITATION_WEIGHTS, LINE_NAMES, MEMBER_ROLES, OCG_COLLECTIVES, OCG_STATUSES, PRINCIPAL_ROLE,
};
use crate::vocab::names::SURNAMES;

/// Share of non-planted OCGs with a national reference (mapped nationally).
const NATIONAL_REF_SHARE: f64 = 0.4;
/// Lowest harm score of a planted (nationally significant) OCG.
const PLANTED_MIN_HARM: i32 = 60;
/// Highest harm score.
const MAX_HARM: i32 = 100;

/// Generates `ocgs` rows.
pub(crate) struct OcgsGenerator {
    context: RegionContext,
    rng: ChaCha8Rng,
    planted: Vec<BTreeMap<String, String>>,
    exploitation: WeightedPick<&'static str>,
    statuses: WeightedPick<&'static str>,
    markings: MarkingBuilders,
    name: StringBuilder,
    national_ref: StringBuilder,
    exploitation_type: StringBuilder,
    harm_score: Int32Builder,
    status: StringBuilder,
}

impl OcgsGenerator {
    pub(crate) fn new(context: &RegionContext) -> Result<Self, GenError> {
        let exploitation: Vec<(&str, u32)> = EXPLOITATION_TYPES.iter().copied().zip(EXPLOITATION_WEIGHTS).collect();
        Ok(Self {
            rng: stream(context.seed, &[context.code, "ocgs"]),
            planted: context.planted_values("ocgs"),
            exploitation: WeightedPick::new(&exploitation),
            statuses: WeightedPick::new(OCG_STATUSES),
            markings: MarkingBuilders::new(context.code, "ocgs")?,
            context: context.clone(),
            name: StringBuilder::new(),
            national_ref: StringBuilder::new(),
            exploitation_type: StringBuilder::new(),
            harm_score: Int32Builder::new(),
            status: StringBuilder::new(),
        })
    }

    fn random_name(&mut self) -> String {
        let neighbourhoods = self.context.places.neighbourhoods;
        match self.rng.random_range(0..3) {
            0 => {
                let place = neighbourhoods[self.rng.random_range(0..neighbourhoods.len())];
                let collective = OCG_COLLECTIVES[self.rng.random_range(0..OCG_COLLECTIVES.len())];
                format!("The {place} {collective}")
            }
            1 => format!("{} Line", LINE_NAMES[self.rng.random_range(0..LINE_NAMES.len())]),
            _ => format!("{} family network", SURNAMES[self.rng.random_range(0..SURNAMES.len())].0),
        }
    }

    fn append_random(&mut self, number: u64) {
        let name = self.random_name();
        self.name.append_value(name);
        // Ten-digit national refs (region position and number) never clash with the
        // four-digit refs of planted OCGs or with another region's refs.
        let reference = self
            .rng
            .random_bool(NATIONAL_REF_SHARE)
            .then(|| format!("OCG-NAT-{:02}{number:08}", self.context.position + 1));
        self.national_ref.append_option(reference);
        self.exploitation_type.append_value(self.exploitation.pick(&mut self.rng));
        // The larger of two draws skews harm upwards slightly, as mapped OCGs tend to be.
        let harm = self.rng.random_range(0..=MAX_HARM).max(self.rng.random_range(0..=MAX_HARM));
        self.harm_score.append_value(harm);
        self.status.append_value(self.statuses.pick(&mut self.rng));
    }
}

impl TableGenerator for OcgsGenerator {
    fn append_row(&mut self, number: u64) {
        let area = self.context.random_area(&mut self.rng);
        self.markings.append(&mut self.rng, number, area.force);
        let Some(values) = usize::try_from(number - 1).ok().and_then(|index| self.planted.get(index)) else {
            self.append_random(number);
            return;
        };
        let text = |key: &str| values.get(key).map_or("", String::as_str);
        self.name.append_value(text("name"));
        self.national_ref.append_value(text("national_ref"));
        self.exploitation_type.append_value(text("exploitation_type"));
        self.harm_score.append_value(self.rng.random_range(PLANTED_MIN_HARM..=MAX_HARM));
        self.status.append_value("ACTIVE");
    }

    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns = self.markings.finish();
        columns.extend::<[ArrayRef; 5]>([
            Arc::new(self.name.finish()),
            Arc::new(self.national_ref.finish()),
            Arc::new(self.exploitation_type.finish()),
            Arc::new(self.harm_score.finish()),
            Arc::new(self.status.finish()),
        ]);
        RecordBatch::try_new(schema.clone(), columns)
    }
}

/// Generates `ocg_members` rows: member `n` belongs to OCG `(n - 1) / 6 + 1`.
pub(crate) struct MembersGenerator {
    context: RegionContext,
    rng: ChaCha8Rng,
    roles: WeightedPick<&'static str>,
    ocgs: LinkedIds,
    persons: LinkedIds,
    markings: MarkingBuilders,
    ocg_id: StringBuilder,
    person_id: StringBuilder,
    role: StringBuilder,
}

impl MembersGenerator {
    pub(crate) fn new(context: &RegionContext) -> Result<Self, GenError> {
        Ok(Self {
            rng: stream(context.seed, &[context.code, "ocg_members"]),
            roles: WeightedPick::new(MEMBER_ROLES),
            ocgs: LinkedIds::new(context.code, "ocgs")?,
            persons: LinkedIds::new(context.code, "persons")?,
            markings: MarkingBuilders::new(context.code, "ocg_members")?,
            context: context.clone(),
            ocg_id: StringBuilder::new(),
            person_id: StringBuilder::new(),
            role: StringBuilder::new(),
        })
    }
}

impl TableGenerator for MembersGenerator {
    fn append_row(&mut self, number: u64) {
        let area = self.context.random_area(&mut self.rng);
        self.markings.append(&mut self.rng, number, area.force);
        let position = (number - 1) % MEMBERS_PER_OCG;
        let ocg = ((number - 1) / MEMBERS_PER_OCG + 1).min(self.context.counts.ocgs);
        self.ocg_id.append_value(self.ocgs.id(ocg));
        let person = random_number(&mut self.rng, self.context.counts.persons);
        self.person_id.append_value(self.persons.id(person));
        let role = if position == 0 { PRINCIPAL_ROLE } else { self.roles.pick(&mut self.rng) };
        self.role.append_value(role);
    }

    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns = self.markings.finish();
        columns.extend::<[ArrayRef; 3]>([
            Arc::new(self.ocg_id.finish()),
            Arc::new(self.person_id.finish()),
            Arc::new(self.role.finish()),
        ]);
        RecordBatch::try_new(schema.clone(), columns)
    }
}
