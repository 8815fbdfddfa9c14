//! `phones`: fictitious but validly formatted UK mobiles (see `fields::bulk_msisdn`), IMEIs with
//! Luhn check digits, sightings in the last three years, ~3 % deal lines; planted shared deal
//! lines (Ofcom drama range) first.

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
use crate::fields::{self, REFERENCE_DAY, bulk_msisdn, imei, mobile_prefixes};
use crate::seed::stream;

/// Share of bulk phones flagged as county-lines deal lines.
const DEAL_LINE_SHARE: f64 = 0.03;
/// Share of phones with a known handset IMEI.
const IMEI_SHARE: f64 = 0.92;
/// Share of phones attributed to a person.
const USER_SHARE: f64 = 0.75;
/// Share of planted deal lines attributed to a person (lines change hands).
const PLANTED_USER_SHARE: f64 = 0.5;

/// Generates `phones` rows.
pub(crate) struct PhonesGenerator {
    context: RegionContext,
    rng: ChaCha8Rng,
    planted: Vec<BTreeMap<String, String>>,
    msisdn_key: u64,
    prefixes: Vec<u64>,
    persons: LinkedIds,
    markings: MarkingBuilders,
    msisdn: StringBuilder,
    imei: StringBuilder,
    user_person_id: StringBuilder,
    first_seen: Date32Builder,
    last_seen: Date32Builder,
    deal_line: BooleanBuilder,
}

impl PhonesGenerator {
    pub(crate) fn new(context: &RegionContext) -> Result<Self, GenError> {
        let mut rng = stream(context.seed, &[context.code, "phones"]);
        Ok(Self {
            msisdn_key: rng.random(),
            rng,
            planted: context.planted_values("phones"),
            prefixes: mobile_prefixes(context.position),
            persons: LinkedIds::new(context.code, "persons")?,
            markings: MarkingBuilders::new(context.code, "phones")?,
            context: context.clone(),
            msisdn: StringBuilder::new(),
            imei: StringBuilder::new(),
            user_person_id: StringBuilder::new(),
            first_seen: Date32Builder::new(),
            last_seen: Date32Builder::new(),
            deal_line: BooleanBuilder::new(),
        })
    }
}

impl TableGenerator for PhonesGenerator {
    fn append_row(&mut self, number: u64) {
        let area = self.context.random_area(&mut self.rng);
        self.markings.append(&mut self.rng, number, area.force);
        let planted = usize::try_from(number - 1).ok().and_then(|index| self.planted.get(index));
        let user_share = match planted {
            Some(values) => {
                self.msisdn.append_value(values.get("msisdn").map_or("", String::as_str));
                self.deal_line.append_value(true);
                PLANTED_USER_SHARE
            }
            None => {
                self.msisdn.append_value(bulk_msisdn(number - 1, self.msisdn_key, &self.prefixes));
                self.deal_line.append_value(self.rng.random_bool(DEAL_LINE_SHARE));
                USER_SHARE
            }
        };
        let handset = self.rng.random_bool(IMEI_SHARE).then(|| imei(&mut self.rng));
        self.imei.append_option(handset);
        if self.rng.random_bool(user_share) {
            let person = random_number(&mut self.rng, self.context.counts.persons);
            self.user_person_id.append_value(self.persons.id(person));
        } else {
            self.user_person_id.append_null();
        }
        let first = fields::recent_day(&mut self.rng);
        let last = self.rng.random_range(first..=REFERENCE_DAY);
        self.first_seen.append_value(first);
        self.last_seen.append_value(last);
    }

    fn finish_batch(&mut self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let mut columns = self.markings.finish();
        columns.extend::<[ArrayRef; 6]>([
            Arc::new(self.msisdn.finish()),
            Arc::new(self.imei.finish()),
            Arc::new(self.user_person_id.finish()),
            Arc::new(self.first_seen.finish()),
            Arc::new(self.last_seen.finish()),
            Arc::new(self.deal_line.finish()),
        ]);
        RecordBatch::try_new(schema.clone(), columns)
    }
}
