//! `persons`: weighted UK names by gender with occasional spelling variants, middle names and
//! double-barrelled surnames; dob 1950-2010; PNC ids mostly for suspects; planted people first.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Date32Builder, StringBuilder};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::markings::{LinkedIds, MarkingBuilders};
use super::{RegionContext, TableGenerator, random_number};
use crate::error::GenError;
use crate::fields::{self, pnc_id};
use crate::pick::WeightedPick;
use crate::seed::stream;
use crate::vocab::lists::NATIONALITIES;
use crate::vocab::names::{FEMALE_FORENAMES, MALE_FORENAMES, SURNAMES, spelling_variant};

/// Share of people recorded with a spelling variant of a name.
const SPELLING_VARIANT_SHARE: f64 = 0.04;
/// Share of people with a middle name.
const MIDDLE_NAME_SHARE: f64 = 0.2;
/// Share of people with a double-barrelled surname.
const DOUBLE_BARRELLED_SHARE: f64 = 0.02;
/// Share of people with no recorded date of birth.
const MISSING_DOB_SHARE: f64 = 0.03;
/// Share of people with no recorded nationality.
const MISSING_NATIONALITY_SHARE: f64 = 0.02;
/// Share of people with a known home address.
const HOME_ADDRESS_SHARE: f64 = 0.85;
/// Share of victims flagged vulnerable.
const VULNERABLE_VICTIM_SHARE: f64 = 0.25;
/// Share of everyone else flagged vulnerable.
const VULNERABLE_OTHER_SHARE: f64 = 0.025;

/// Generates `persons` rows.
pub(crate) struct PersonsGenerator {
    context: RegionContext,
    rng: ChaCha8Rng,
    planted: Vec<BTreeMap<String, String>>,
    surnames: WeightedPick<&'static str>,
    male: WeightedPick<&'static str>,
    female: WeightedPick<&'static str>,
    nationalities: WeightedPick<&'static str>,
    categories: WeightedPick<&'static str>,
    addresses: LinkedIds,
    markings: MarkingBuilders,
    surname: StringBuilder,
    forenames: StringBuilder,
    dob: Date32Builder,
    gender: StringBuilder,
    nationality: StringBuilder,
    pnc_id: StringBuilder,
    person_category: StringBuilder,
    vulnerable: BooleanBuilder,
    home_address_id: StringBuilder,
}

/// The PNC-id share for a person category (arrested people have one).
fn pnc_share(category: &str) -> f64 {
    match category {
        "SUSPECT" => 0.85,
        "VICTIM" => 0.15,
        "WITNESS" => 0.1,
        _ => 0.4,
    }
}

impl PersonsGenerator {
    pub(crate) fn new(context: &RegionContext) -> Result<Self, GenError> {
        Ok(Self {
            rng: stream(context.seed, &[context.code, "persons"]),
            planted: context.planted_values("persons"),
            surnames: WeightedPick::new(SURNAMES),
            male: WeightedPick::new(MALE_FORENAMES),
            female: WeightedPick::new(FEMALE_FORENAMES),
            nationalities: WeightedPick::new(NATIONALITIES),
            categories: WeightedPick::new(&[("OTHER", 40), ("SUSPECT", 40), ("VICTIM", 12), ("WITNESS", 8)]),
            addresses: LinkedIds::new(context.code, "addresses")?,
            markings: MarkingBuilders::new(context.code, "persons")?,
            context: context.clone(),
            surname: StringBuilder::new(),
            forenames: StringBuilder::new(),
            dob: Date32Builder::new(),
            gender: StringBuilder::new(),
            nationality: StringBuilder::new(),
            pnc_id: StringBuilder::new(),
            person_category: StringBuilder::new(),
            vulnerable: BooleanBuilder::new(),
            home_address_id: StringBuilder::new(),
        })
    }

    fn forename(&mut self, gender: &str) -> &'static str {
        let female = gender == "F" || (gender == "U" && self.rng.random_bool(0.5));
        if female { self.female.pick(&mut self.rng) } else { self.male.pick(&mut self.rng) }
    }

    /// Random names: (forenames, surname).
    fn random_names(&mut self, gender: &str) -> (String, String) {
        let mut first = self.forename(gender);
        let mut surname = self.surnames.pick(&mut self.rng).to_owned();
        if self.rng.random_bool(SPELLING_VARIANT_SHARE) {
            let choice = self.rng.random_range(0..4);
            if let Some(variant) = spelling_variant(first, choice) {
                first = variant;
            } else if let Some(variant) = spelling_variant(&surname, choice) {
                surname = variant.to_owned();
            }
        }
        if self.rng.random_bool(DOUBLE_BARRELLED_SHARE) {
            let second = self.surnames.pick(&mut self.rng);
            if second != surname {
                surname = format!("{surname}-{second}");
            }
        }
        let mut forenames = first.to_owned();
        if self.rng.random_bool(MIDDLE_NAME_SHARE) {
            let middle = self.forename(gender);
            if middle != first {
                forenames = format!("{first} {middle}");
            }
        }
        (forenames, surname)
    }

    fn append_random(&mut self) -> &'static str {
        let roll: f64 = self.rng.random();
        let gender = if roll < 0.49 {
            "M"
        } else if roll < 0.99 {
            "F"
        } else {
            "U"
        };
        let (forenames, surname) = self.random_names(gender);
        let category = self.categories.pick(&mut self.rng);
        let dob = (!self.rng.random_bool(MISSING_DOB_SHARE)).then(|| fields::dob_day(&mut self.rng));
        let vulnerable_share = if category == "VICTIM" { VULNERABLE_VICTIM_SHARE } else { VULNERABLE_OTHER_SHARE };
        let vulnerable = self.rng.random_bool(vulnerable_share);
        self.surname.append_value(surname);
        self.forenames.append_value(forenames);
        self.dob.append_option(dob);
        self.gender.append_value(gender);
        self.person_category.append_value(category);
        self.vulnerable.append_value(vulnerable);
        category
    }

    fn append_planted(&mut self, values: &BTreeMap<String, String>) -> &'static str {
        let text = |key: &str| values.get(key).map_or("", String::as_str);
        self.surname.append_value(text("surname"));
        self.forenames.append_value(text("forenames"));
        self.dob.append_option(parse_day(text("dob")));
        self.gender.append_value(text("gender"));
        let category = match text("person_category") {
            "VICTIM" => "VICTIM",
            "WITNESS" => "WITNESS",
            "OTHER" => "OTHER",
            _ => "SUSPECT",
        };
        self.person_category.append_value(category);
        self.vulnerable.append_value(text("vulnerable") == "true");
        category
    }
}

/// Days since the epoch of a `YYYY-MM-DD` date.
fn parse_day(text: &str) -> Option<i32> {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.to_epoch_days())
}

impl TableGenerator for PersonsGenerator {
    fn append_row(&mut self, number: u64) {
        let area = self.context.random_area(&mut self.rng);
        self.markings.append(&mut self.rng, number, area.force);
        let planted = usize::try_from(number - 1).ok().and_then(|index| self.planted.get(index)).cloned();
        let category = match planted {
            Some(values) => self.append_planted(&values),
            None => self.append_random(),
        };
        let nationality =
            (!self.rng.random_bool(MISSING_NATIONALITY_SHARE)).then(|| self.nationalities.pick(&mut self.rng));
        self.nationality.append_option(nationality);
        let pnc = self.rng.random_bool(pnc_share(category)).then(|| pnc_id(&mut self.rng));
        self.pnc_id.append_option(pnc);
        if self.rng.random_bool(HOME_ADDRESS_SHARE) {
            let address = random_number(&mut self.rng, self.context.counts.addresses);
            self.home_address_id.append_value(self.addresses.id(address));
        } else {
            self.home_address_id.append_null();
        }
    }

    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns = self.markings.finish();
        columns.extend::<[ArrayRef; 9]>([
            Arc::new(self.surname.finish()),
            Arc::new(self.forenames.finish()),
            Arc::new(self.dob.finish()),
            Arc::new(self.gender.finish()),
            Arc::new(self.nationality.finish()),
            Arc::new(self.pnc_id.finish()),
            Arc::new(self.person_category.finish()),
            Arc::new(self.vulnerable.finish()),
            Arc::new(self.home_address_id.finish()),
        ]);
        RecordBatch::try_new(schema.clone(), columns)
    }
}
