//! The node's entity indexes, built when the region's data is loaded (and rebuilt on every
//! reload): the common-data-model entities held in memory with their markings, hash indexes on
//! every identifier and on the phonetic keys of every name, and the link indexes that join a
//! person to their phones, vehicles, address, OCGs and intelligence reports. A search looks
//! records up here; it never scans a table.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Date32Type, Float64Type, Int32Type};
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;
use toex_common::search::fold_text;
use toex_matching::{Gender, NameKeys, PersonRecord};
use toex_policy::RowMarkings;

use crate::error::NodeError;

/// The protective markings of one record.
#[derive(Debug, Clone, Default)]
pub struct Markings {
    pub record_id: String,
    pub region: String,
    pub force: String,
    pub classification: String,
    pub handling_code: String,
    pub handling_conditions: Option<String>,
}

impl Markings {
    /// The markings as policy reads them.
    pub fn as_row(&self) -> RowMarkings<'_> {
        RowMarkings {
            owning_region: &self.region,
            classification: &self.classification,
            handling_code: &self.handling_code,
            handling_conditions: self.handling_conditions.as_deref(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PersonRow {
    pub markings: Markings,
    pub surname: String,
    pub forenames: String,
    pub dob: Option<NaiveDate>,
    pub gender: String,
    pub nationality: Option<String>,
    pub pnc_id: Option<String>,
    pub person_category: String,
    pub vulnerable: bool,
    pub home_address_id: Option<String>,
}

impl PersonRow {
    /// The person as the matcher reads them.
    pub fn matching_record(&self) -> PersonRecord {
        let mut record = PersonRecord::new(&self.surname, &self.forenames);
        record.dob = self.dob;
        record.gender = Gender::from_code(&self.gender);
        record
    }
}

#[derive(Debug, Clone)]
pub struct PhoneRow {
    pub markings: Markings,
    pub msisdn: String,
    pub imei: Option<String>,
    pub user_person_id: Option<String>,
    pub first_seen: Option<NaiveDate>,
    pub last_seen: Option<NaiveDate>,
    pub deal_line: bool,
}

#[derive(Debug, Clone)]
pub struct VehicleRow {
    pub markings: Markings,
    pub vrm: String,
    pub make: String,
    pub model: String,
    pub colour: String,
    pub keeper_person_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AddressRow {
    pub markings: Markings,
    pub line1: String,
    pub town: String,
    pub postcode: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub cuckooed: bool,
}

#[derive(Debug, Clone)]
pub struct OcgRow {
    pub markings: Markings,
    pub name: String,
    pub national_ref: Option<String>,
    pub exploitation_type: String,
    pub harm_score: i32,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub markings: Markings,
    pub ocg_id: String,
    pub person_id: String,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct IntelRow {
    pub markings: Markings,
    pub grading_scheme: String,
    pub source_evaluation: String,
    pub intelligence_assessment: String,
}

/// Row positions by key.
type Postings = HashMap<String, Vec<usize>>;

/// A region's entities and their indexes. Row positions refer to the vectors held here.
#[derive(Debug, Default)]
pub struct EntityIndex {
    pub persons: Vec<PersonRow>,
    pub phones: Vec<PhoneRow>,
    pub vehicles: Vec<VehicleRow>,
    pub addresses: Vec<AddressRow>,
    pub ocgs: Vec<OcgRow>,
    pub members: Vec<MemberRow>,
    pub intel: Vec<IntelRow>,
    /// The persons as the matcher reads them, in `persons` order.
    pub person_records: Vec<PersonRecord>,
    person_by_id: HashMap<String, usize>,
    address_by_id: HashMap<String, usize>,
    ocg_by_id: HashMap<String, usize>,
    person_by_name_key: Postings,
    person_by_pnc: Postings,
    phone_by_msisdn: Postings,
    vehicle_by_vrm: Postings,
    address_by_postcode: Postings,
    ocg_by_text: Postings,
    ocg_by_word: Postings,
    phones_by_user: Postings,
    vehicles_by_keeper: Postings,
    persons_by_address: Postings,
    members_by_person: Postings,
    members_by_ocg: Postings,
    intel_by_person: Postings,
    intel_by_phone: Postings,
    intel_by_vehicle: Postings,
    intel_by_address: Postings,
}

/// What a link index joins from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntelLink {
    Person,
    Phone,
    Vehicle,
    Address,
}

impl EntityIndex {
    /// Reads the entity tables registered in `context` and indexes them.
    pub async fn build(context: &SessionContext) -> Result<Self, NodeError> {
        let mut index = Self::default();
        for batch in collect(context, "persons").await? {
            let columns = Columns::new(&batch)?;
            for row in 0..batch.num_rows() {
                index.persons.push(PersonRow {
                    markings: columns.markings(row),
                    surname: columns.text("surname", row),
                    forenames: columns.text("forenames", row),
                    dob: columns.date("dob", row),
                    gender: columns.text("gender", row),
                    nationality: columns.optional("nationality", row),
                    pnc_id: columns.optional("pnc_id", row),
                    person_category: columns.text("person_category", row),
                    vulnerable: columns.flag("vulnerable", row),
                    home_address_id: columns.optional("home_address_id", row),
                });
            }
        }
        for batch in collect(context, "phones").await? {
            let columns = Columns::new(&batch)?;
            for row in 0..batch.num_rows() {
                index.phones.push(PhoneRow {
                    markings: columns.markings(row),
                    msisdn: columns.text("msisdn", row),
                    imei: columns.optional("imei", row),
                    user_person_id: columns.optional("user_person_id", row),
                    first_seen: columns.date("first_seen", row),
                    last_seen: columns.date("last_seen", row),
                    deal_line: columns.flag("deal_line", row),
                });
            }
        }
        for batch in collect(context, "vehicles").await? {
            let columns = Columns::new(&batch)?;
            for row in 0..batch.num_rows() {
                index.vehicles.push(VehicleRow {
                    markings: columns.markings(row),
                    vrm: columns.text("vrm", row),
                    make: columns.text("make", row),
                    model: columns.text("model", row),
                    colour: columns.text("colour", row),
                    keeper_person_id: columns.optional("keeper_person_id", row),
                });
            }
        }
        for batch in collect(context, "addresses").await? {
            let columns = Columns::new(&batch)?;
            for row in 0..batch.num_rows() {
                index.addresses.push(AddressRow {
                    markings: columns.markings(row),
                    line1: columns.text("line1", row),
                    town: columns.text("town", row),
                    postcode: columns.text("postcode", row),
                    latitude: columns.float("latitude", row),
                    longitude: columns.float("longitude", row),
                    cuckooed: columns.flag("cuckooed", row),
                });
            }
        }
        for batch in collect(context, "ocgs").await? {
            let columns = Columns::new(&batch)?;
            for row in 0..batch.num_rows() {
                index.ocgs.push(OcgRow {
                    markings: columns.markings(row),
                    name: columns.text("name", row),
                    national_ref: columns.optional("national_ref", row),
                    exploitation_type: columns.text("exploitation_type", row),
                    harm_score: columns.integer("harm_score", row),
                    status: columns.text("status", row),
                });
            }
        }
        for batch in collect(context, "ocg_members").await? {
            let columns = Columns::new(&batch)?;
            for row in 0..batch.num_rows() {
                index.members.push(MemberRow {
                    markings: columns.markings(row),
                    ocg_id: columns.text("ocg_id", row),
                    person_id: columns.text("person_id", row),
                    role: columns.text("role", row),
                });
            }
        }
        let mut intel_links = Vec::new();
        for batch in collect(context, "intel_reports").await? {
            let columns = Columns::new(&batch)?;
            for row in 0..batch.num_rows() {
                index.intel.push(IntelRow {
                    markings: columns.markings(row),
                    grading_scheme: columns.text("grading_scheme", row),
                    source_evaluation: columns.text("source_evaluation", row),
                    intelligence_assessment: columns.text("intelligence_assessment", row),
                });
                intel_links.push([
                    columns.optional("person_id", row),
                    columns.optional("phone_id", row),
                    columns.optional("vehicle_id", row),
                    columns.optional("address_id", row),
                ]);
            }
        }
        index.build_indexes(intel_links);
        Ok(index)
    }

    fn build_indexes(&mut self, intel_links: Vec<[Option<String>; 4]>) {
        for (position, person) in self.persons.iter().enumerate() {
            self.person_by_id.insert(person.markings.record_id.clone(), position);
            for key in NameKeys::new(&person.surname, &person.forenames).index_keys() {
                post(&mut self.person_by_name_key, key, position);
            }
            if let Some(pnc) = &person.pnc_id {
                post(&mut self.person_by_pnc, pnc.clone(), position);
            }
            if let Some(address) = &person.home_address_id {
                post(&mut self.persons_by_address, address.clone(), position);
            }
            self.person_records.push(person.matching_record());
        }
        for (position, phone) in self.phones.iter().enumerate() {
            post(&mut self.phone_by_msisdn, phone.msisdn.clone(), position);
            if let Some(user) = &phone.user_person_id {
                post(&mut self.phones_by_user, user.clone(), position);
            }
        }
        for (position, vehicle) in self.vehicles.iter().enumerate() {
            post(&mut self.vehicle_by_vrm, vehicle.vrm.clone(), position);
            if let Some(keeper) = &vehicle.keeper_person_id {
                post(&mut self.vehicles_by_keeper, keeper.clone(), position);
            }
        }
        for (position, address) in self.addresses.iter().enumerate() {
            self.address_by_id.insert(address.markings.record_id.clone(), position);
            post(&mut self.address_by_postcode, address.postcode.clone(), position);
        }
        for (position, ocg) in self.ocgs.iter().enumerate() {
            self.ocg_by_id.insert(ocg.markings.record_id.clone(), position);
            let name = fold_text(&ocg.name);
            for word in name.split(' ').filter(|word| !word.is_empty()) {
                post(&mut self.ocg_by_word, word.to_owned(), position);
            }
            post(&mut self.ocg_by_text, name, position);
            if let Some(reference) = &ocg.national_ref {
                post(&mut self.ocg_by_text, fold_text(reference), position);
            }
        }
        for (position, member) in self.members.iter().enumerate() {
            post(&mut self.members_by_person, member.person_id.clone(), position);
            post(&mut self.members_by_ocg, member.ocg_id.clone(), position);
        }
        for (position, [person, phone, vehicle, address]) in intel_links.into_iter().enumerate() {
            let links = [
                (&mut self.intel_by_person, person),
                (&mut self.intel_by_phone, phone),
                (&mut self.intel_by_vehicle, vehicle),
                (&mut self.intel_by_address, address),
            ];
            for (postings, key) in links {
                if let Some(key) = key {
                    post(postings, key, position);
                }
            }
        }
    }

    /// Persons stored under any of `keys` (phonetic name keys), each once, in row order.
    pub fn persons_by_name_keys<'a>(&self, keys: impl IntoIterator<Item = &'a String>) -> Vec<usize> {
        let mut found: Vec<usize> =
            keys.into_iter().flat_map(|key| postings(&self.person_by_name_key, key)).copied().collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    pub fn persons_by_pnc(&self, pnc_id: &str) -> &[usize] {
        postings(&self.person_by_pnc, pnc_id)
    }

    pub fn phones_by_msisdn(&self, msisdn: &str) -> &[usize] {
        postings(&self.phone_by_msisdn, msisdn)
    }

    pub fn vehicles_by_vrm(&self, vrm: &str) -> &[usize] {
        postings(&self.vehicle_by_vrm, vrm)
    }

    pub fn addresses_by_postcode(&self, postcode: &str) -> &[usize] {
        postings(&self.address_by_postcode, postcode)
    }

    /// OCGs whose folded national reference or name is `text`, or whose name holds every word of
    /// it; the second element says whether the match was exact.
    pub fn ocgs_by_text(&self, text: &str) -> Vec<(usize, bool)> {
        let exact = postings(&self.ocg_by_text, text);
        if !exact.is_empty() {
            return exact.iter().map(|position| (*position, true)).collect();
        }
        let mut words = text.split(' ').filter(|word| !word.is_empty());
        let Some(first) = words.next() else { return Vec::new() };
        let rest: Vec<&str> = words.collect();
        postings(&self.ocg_by_word, first)
            .iter()
            .copied()
            .filter(|position| {
                let name = fold_text(&self.ocgs[*position].name);
                rest.iter().all(|word| name.split(' ').any(|part| part == *word))
            })
            .map(|position| (position, false))
            .collect()
    }

    /// The markings of every record holding identifier `value` in `table` (the identifier
    /// tables of a hit/no-hit check: phones, vehicles, persons by PNC id, addresses).
    pub fn identifier_markings(&self, table: &str, value: &str) -> Vec<&Markings> {
        match table {
            "phones" => self.phones_by_msisdn(value).iter().map(|row| &self.phones[*row].markings).collect(),
            "vehicles" => self.vehicles_by_vrm(value).iter().map(|row| &self.vehicles[*row].markings).collect(),
            "persons" => self.persons_by_pnc(value).iter().map(|row| &self.persons[*row].markings).collect(),
            "addresses" => self.addresses_by_postcode(value).iter().map(|row| &self.addresses[*row].markings).collect(),
            _ => Vec::new(),
        }
    }

    pub fn person_by_id(&self, record_id: &str) -> Option<usize> {
        self.person_by_id.get(record_id).copied()
    }

    pub fn address_by_id(&self, record_id: &str) -> Option<usize> {
        self.address_by_id.get(record_id).copied()
    }

    pub fn ocg_by_id(&self, record_id: &str) -> Option<usize> {
        self.ocg_by_id.get(record_id).copied()
    }

    pub fn phones_of_person(&self, person_id: &str) -> &[usize] {
        postings(&self.phones_by_user, person_id)
    }

    pub fn vehicles_of_person(&self, person_id: &str) -> &[usize] {
        postings(&self.vehicles_by_keeper, person_id)
    }

    pub fn residents_of(&self, address_id: &str) -> &[usize] {
        postings(&self.persons_by_address, address_id)
    }

    pub fn memberships_of_person(&self, person_id: &str) -> &[usize] {
        postings(&self.members_by_person, person_id)
    }

    pub fn members_of_ocg(&self, ocg_id: &str) -> &[usize] {
        postings(&self.members_by_ocg, ocg_id)
    }

    /// Intelligence reports linked to a record.
    pub fn intel_about(&self, link: IntelLink, record_id: &str) -> &[usize] {
        let postings_of = match link {
            IntelLink::Person => &self.intel_by_person,
            IntelLink::Phone => &self.intel_by_phone,
            IntelLink::Vehicle => &self.intel_by_vehicle,
            IntelLink::Address => &self.intel_by_address,
        };
        postings(postings_of, record_id)
    }
}

fn post(postings: &mut Postings, key: String, position: usize) {
    postings.entry(key).or_default().push(position);
}

fn postings<'a>(postings: &'a Postings, key: &str) -> &'a [usize] {
    postings.get(key).map_or(&[], Vec::as_slice)
}

/// The columns of `table` the index reads: the markings and the table's own fields, except free
/// text it never needs (intelligence report summaries stay on disk).
async fn collect(context: &SessionContext, table: &str) -> Result<Vec<RecordBatch>, NodeError> {
    let frame = context.table(table).await?;
    let columns: Vec<String> = frame
        .schema()
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .filter(|name| !(table == "intel_reports" && name == "summary"))
        .collect();
    let wanted: Vec<&str> = columns.iter().map(String::as_str).collect();
    Ok(frame.select_columns(&wanted)?.collect().await?)
}

/// The columns of one batch, cast once to the types the index reads.
struct Columns {
    columns: HashMap<String, ArrayRef>,
}

impl Columns {
    fn new(batch: &RecordBatch) -> Result<Self, NodeError> {
        let mut columns = HashMap::new();
        for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
            let wanted = match field.data_type() {
                DataType::Utf8View | DataType::LargeUtf8 | DataType::Dictionary(_, _) => DataType::Utf8,
                other => other.clone(),
            };
            columns.insert(field.name().clone(), cast(column, &wanted)?);
        }
        Ok(Self { columns })
    }

    fn column(&self, name: &str) -> Option<&ArrayRef> {
        self.columns.get(name)
    }

    fn optional(&self, name: &str, row: usize) -> Option<String> {
        let column = self.column(name)?;
        let strings = column.as_string_opt::<i32>()?;
        strings.is_valid(row).then(|| strings.value(row).to_owned())
    }

    fn text(&self, name: &str, row: usize) -> String {
        self.optional(name, row).unwrap_or_default()
    }

    fn date(&self, name: &str, row: usize) -> Option<NaiveDate> {
        let dates = self.column(name)?.as_primitive_opt::<Date32Type>()?;
        if !dates.is_valid(row) {
            return None;
        }
        NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(i64::from(dates.value(row))))
    }

    fn flag(&self, name: &str, row: usize) -> bool {
        self.column(name)
            .and_then(|column| column.as_boolean_opt())
            .is_some_and(|flags| flags.is_valid(row) && flags.value(row))
    }

    fn float(&self, name: &str, row: usize) -> Option<f64> {
        let floats = self.column(name)?.as_primitive_opt::<Float64Type>()?;
        floats.is_valid(row).then(|| floats.value(row))
    }

    fn integer(&self, name: &str, row: usize) -> i32 {
        self.column(name)
            .and_then(|column| column.as_primitive_opt::<Int32Type>())
            .filter(|integers| integers.is_valid(row))
            .map_or(0, |integers| integers.value(row))
    }

    fn markings(&self, row: usize) -> Markings {
        Markings {
            record_id: self.text("record_id", row),
            region: self.text("region", row),
            force: self.text("force", row),
            classification: self.text("classification", row),
            handling_code: self.text("handling_code", row),
            handling_conditions: self.optional("handling_conditions", row),
        }
    }
}
