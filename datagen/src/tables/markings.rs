//! Builders for the marking columns every table starts with: the six text markings and the
//! marking code derived from them.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int8Builder, StringBuilder};
use rand::Rng;
use toex_common::markings::marking_code;

use crate::error::GenError;
use crate::ids::{table_letters, write_record_id};
use crate::markings::random_marking;

/// Accumulates the marking columns of a batch.
pub(crate) struct MarkingBuilders {
    region: &'static str,
    letters: &'static str,
    id_buffer: String,
    record_id: StringBuilder,
    region_column: StringBuilder,
    force: StringBuilder,
    classification: StringBuilder,
    handling_code: StringBuilder,
    handling_conditions: StringBuilder,
    code: Int8Builder,
}

impl MarkingBuilders {
    /// Builders for `table` of `region`.
    pub(crate) fn new(region: &'static str, table: &str) -> Result<Self, GenError> {
        Ok(Self {
            region,
            letters: table_letters(table)?,
            id_buffer: String::new(),
            record_id: StringBuilder::new(),
            region_column: StringBuilder::new(),
            force: StringBuilder::new(),
            classification: StringBuilder::new(),
            handling_code: StringBuilder::new(),
            handling_conditions: StringBuilder::new(),
            code: Int8Builder::new(),
        })
    }

    /// Appends the markings of row `number`, owned by `force`, with random markings.
    pub(crate) fn append(&mut self, rng: &mut impl Rng, number: u64, force: &str) {
        write_record_id(&mut self.id_buffer, self.region, self.letters, number);
        self.record_id.append_value(&self.id_buffer);
        self.region_column.append_value(self.region);
        self.force.append_value(force);
        let marking = random_marking(rng);
        self.classification.append_value(marking.classification.as_str());
        self.handling_code.append_value(marking.handling_code.as_str());
        self.handling_conditions.append_option(marking.handling_conditions);
        let code =
            marking_code(marking.classification.as_str(), marking.handling_code.as_str(), marking.handling_conditions);
        self.code.append_option(code);
    }

    /// The seven finished marking arrays, in schema order.
    pub(crate) fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.record_id.finish()),
            Arc::new(self.region_column.finish()),
            Arc::new(self.force.finish()),
            Arc::new(self.classification.finish()),
            Arc::new(self.handling_code.finish()),
            Arc::new(self.handling_conditions.finish()),
            Arc::new(self.code.finish()),
        ]
    }
}

/// Writes the id of row `number` of a linked table into a reusable buffer and returns it.
pub(crate) struct LinkedIds {
    region: &'static str,
    letters: &'static str,
    buffer: String,
}

impl LinkedIds {
    /// Ids of `table` in `region`.
    pub(crate) fn new(region: &'static str, table: &str) -> Result<Self, GenError> {
        Ok(Self { region, letters: table_letters(table)?, buffer: String::new() })
    }

    /// The record id of row `number`.
    pub(crate) fn id(&mut self, number: u64) -> &str {
        write_record_id(&mut self.buffer, self.region, self.letters, number);
        &self.buffer
    }
}
