//! `crimes`: data.police.uk street-level rows: 64-hex crime ids (none for anti-social
//! behaviour), month, reporting force, anonymised location "On or near ...", LSOA code and name
//! (`W01` in Welsh forces), crime type and last outcome; context is always empty.

use std::fmt::Write;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Builder, StringBuilder};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use chrono::Datelike;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::geo::{coordinates, street};
use super::markings::MarkingBuilders;
use super::{RegionContext, TableGenerator};
use crate::error::GenError;
use crate::fields::{crime_id, recent_day};
use crate::pick::WeightedPick;
use crate::seed::stream;
use crate::vocab::lists::{ANTI_SOCIAL_BEHAVIOUR, CRIME_PLACES, CRIME_TYPES, OUTCOMES};
use crate::vocab::places::WELSH_FORCES;

/// Share of crimes published without a location.
const NO_LOCATION_SHARE: f64 = 0.01;
/// Share of located crimes anonymised to a place type rather than a street.
const PLACE_LOCATION_SHARE: f64 = 0.15;
/// Share of crimes (other than anti-social behaviour) with no outcome yet.
const NO_OUTCOME_SHARE: f64 = 0.05;
/// Number of LSOA codes in each nation's range (E01000001.., W01000001..).
const LSOA_RANGE: u32 = 35_000;

/// Generates `crimes` rows.
pub(crate) struct CrimesGenerator {
    context: RegionContext,
    rng: ChaCha8Rng,
    crime_types: WeightedPick<&'static str>,
    outcomes: WeightedPick<&'static str>,
    text: String,
    markings: MarkingBuilders,
    crime_id: StringBuilder,
    month: StringBuilder,
    reported_by: StringBuilder,
    falls_within: StringBuilder,
    longitude: Float64Builder,
    latitude: Float64Builder,
    location: StringBuilder,
    lsoa_code: StringBuilder,
    lsoa_name: StringBuilder,
    crime_type: StringBuilder,
    last_outcome_category: StringBuilder,
    context_column: StringBuilder,
}

impl CrimesGenerator {
    pub(crate) fn new(context: &RegionContext) -> Result<Self, GenError> {
        Ok(Self {
            rng: stream(context.seed, &[context.code, "crimes"]),
            crime_types: WeightedPick::new(CRIME_TYPES),
            outcomes: WeightedPick::new(OUTCOMES),
            text: String::new(),
            markings: MarkingBuilders::new(context.code, "crimes")?,
            context: context.clone(),
            crime_id: StringBuilder::new(),
            month: StringBuilder::new(),
            reported_by: StringBuilder::new(),
            falls_within: StringBuilder::new(),
            longitude: Float64Builder::new(),
            latitude: Float64Builder::new(),
            location: StringBuilder::new(),
            lsoa_code: StringBuilder::new(),
            lsoa_name: StringBuilder::new(),
            crime_type: StringBuilder::new(),
            last_outcome_category: StringBuilder::new(),
            context_column: StringBuilder::new(),
        })
    }
}

impl TableGenerator for CrimesGenerator {
    fn append_row(&mut self, number: u64) {
        let area = self.context.random_area(&mut self.rng);
        self.markings.append(&mut self.rng, number, area.force);
        let crime_type = self.crime_types.pick(&mut self.rng);
        let anti_social = crime_type == ANTI_SOCIAL_BEHAVIOUR;
        let id = (!anti_social).then(|| crime_id(&mut self.rng));
        self.crime_id.append_option(id);
        let day = chrono::NaiveDate::from_epoch_days(recent_day(&mut self.rng));
        self.text.clear();
        if let Some(date) = day {
            let _ = write!(self.text, "{:04}-{:02}", date.year(), date.month());
        }
        self.month.append_value(&self.text);
        self.reported_by.append_value(area.force);
        self.falls_within.append_value(area.force);
        if self.rng.random_bool(NO_LOCATION_SHARE) {
            self.longitude.append_null();
            self.latitude.append_null();
            self.location.append_value("No Location");
            self.lsoa_code.append_null();
            self.lsoa_name.append_null();
        } else {
            let (latitude, longitude) = coordinates(&mut self.rng, area);
            self.longitude.append_value(longitude);
            self.latitude.append_value(latitude);
            let place = if self.rng.random_bool(PLACE_LOCATION_SHARE) {
                CRIME_PLACES[self.rng.random_range(0..CRIME_PLACES.len())].to_owned()
            } else {
                street(&mut self.rng)
            };
            self.location.append_value(format!("On or near {place}"));
            let nation = if WELSH_FORCES.contains(&area.force) { 'W' } else { 'E' };
            let lsoa = self.rng.random_range(1..=LSOA_RANGE);
            self.lsoa_code.append_value(format!("{nation}01{lsoa:06}"));
            let suffix = char::from(b'A' + self.rng.random_range(0..5_u8));
            self.lsoa_name.append_value(format!("{} {:03}{suffix}", area.town, self.rng.random_range(1..=250)));
        }
        self.crime_type.append_value(crime_type);
        let outcome =
            (!anti_social && !self.rng.random_bool(NO_OUTCOME_SHARE)).then(|| self.outcomes.pick(&mut self.rng));
        self.last_outcome_category.append_option(outcome);
        self.context_column.append_null();
    }

    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns = self.markings.finish();
        columns.extend::<[ArrayRef; 12]>([
            Arc::new(self.crime_id.finish()),
            Arc::new(self.month.finish()),
            Arc::new(self.reported_by.finish()),
            Arc::new(self.falls_within.finish()),
            Arc::new(self.longitude.finish()),
            Arc::new(self.latitude.finish()),
            Arc::new(self.location.finish()),
            Arc::new(self.lsoa_code.finish()),
            Arc::new(self.lsoa_name.finish()),
            Arc::new(self.crime_type.finish()),
            Arc::new(self.last_outcome_category.finish()),
            Arc::new(self.context_column.finish()),
        ]);
        RecordBatch::try_new(schema.clone(), columns)
    }
}
