//! Entity search at the node: looks the searched values or name keys up in the region's
//! [`EntityIndex`], decides every candidate and every linked record with the same row and column
//! rules that SQL is read under, and builds typed matches. Released records come back with their
//! provenance, links and safeguarding flags; records policy shows only as hits are counted with
//! their handling conditions; records the caller may not see contribute nothing.

use std::collections::{BTreeMap, BTreeSet};

use toex_common::search::{self, CUCKOOED_ADDRESS, VICTIM_OF_EXPLOITATION, VULNERABLE_PERSON};
use toex_matching::{PersonMatcher, PersonQuery};
use toex_policy::{RowRules, Visibility};
use toex_proto::v1::{
    Address, EntityMatch, GradeCount, IntelSummary, Linked, NodeSearchRequest, NodeSearchResponse, Ocg, OcgMembership,
    Person, Phone, Provenance, SafeguardingFlag, SearchKind, Vehicle, entity_match::Entity,
};

use crate::entity_index::{AddressRow, EntityIndex, IntelLink, Markings, OcgRow, PersonRow, PhoneRow, VehicleRow};
use crate::error::NodeError;

/// The rules each table is read under for one search; a table absent here is denied.
pub type SearchRules = BTreeMap<&'static str, RowRules>;

/// A node's search answer and what the audit trail must record about it.
#[derive(Debug, Default)]
pub struct SearchOutcome {
    pub response: NodeSearchResponse,
    /// `record_id`s of every record released, matches and links.
    pub released: Vec<String>,
    /// Distinct safeguarding flags raised.
    pub safeguarding: Vec<String>,
}

/// Runs one search over `index` under `rules`.
pub fn search(
    index: &EntityIndex,
    request: &NodeSearchRequest,
    rules: &SearchRules,
) -> Result<SearchOutcome, NodeError> {
    let kind = SearchKind::try_from(request.kind).unwrap_or(SearchKind::Unspecified);
    let table =
        search::primary_table(kind).ok_or_else(|| NodeError::BadRequest("search kind is not specified".to_owned()))?;
    search::check_values(kind, &request.values).map_err(NodeError::BadRequest)?;
    let limit = search::limit(request.limit).map_err(NodeError::BadRequest)?;
    let Some(primary_rules) = rules.get(table) else {
        return Err(NodeError::Denied(format!("table {table} is not released to this caller for a search")));
    };
    let reader = Reader { index, rules };
    let mut withheld = Withheld::default();
    let mut matches = match kind {
        SearchKind::Person => {
            let criteria = request.person.clone().unwrap_or_default();
            let query = search::person_query(&criteria).map_err(NodeError::BadRequest)?;
            let threshold = search::threshold(request.threshold).map_err(NodeError::BadRequest)?;
            reader.persons(&query, threshold, primary_rules, &mut withheld)
        }
        _ => reader.identifiers(kind, request, primary_rules, &mut withheld),
    };
    matches
        .sort_by(|left, right| right.score.total_cmp(&left.score).then_with(|| record_id(left).cmp(record_id(right))));
    let truncated = matches.len() > limit;
    matches.truncate(limit);
    let mut outcome = SearchOutcome::default();
    let mut flags = BTreeSet::new();
    for found in &mut matches {
        found.linked = Some(reader.linked(found, &mut outcome.released));
        outcome.released.push(record_id(found).to_owned());
        found.safeguarding = safeguarding_of(found);
        flags.extend(found.safeguarding.iter().map(|flag| flag.flag.clone()));
    }
    outcome.safeguarding = flags.into_iter().collect();
    outcome.response = NodeSearchResponse {
        matches,
        withheld: withheld.count,
        withheld_conditions: withheld.conditions.into_iter().collect(),
        truncated,
    };
    Ok(outcome)
}

/// Matching records whose content is withheld.
#[derive(Debug, Default)]
struct Withheld {
    count: u64,
    conditions: BTreeSet<String>,
}

impl Withheld {
    fn add(&mut self, markings: &Markings) {
        self.count += 1;
        if let Some(conditions) = &markings.handling_conditions {
            self.conditions.insert(conditions.clone());
        }
    }
}

/// Reads the index under the search's rules.
struct Reader<'a> {
    index: &'a EntityIndex,
    rules: &'a SearchRules,
}

impl Reader<'_> {
    /// What a record of `table` with `markings` means to the caller (denied tables: invisible).
    fn visibility(&self, table: &str, markings: &Markings) -> Visibility {
        self.rules.get(table).map_or(Visibility::Invisible, |rules| rules.visibility(&markings.as_row()))
    }

    fn persons(
        &self,
        query: &PersonQuery,
        threshold: f64,
        rules: &RowRules,
        withheld: &mut Withheld,
    ) -> Vec<EntityMatch> {
        let matcher = PersonMatcher::new(query);
        let keys = toex_matching::NameKeys::new(query.surname(), query.forenames()).lookup_keys();
        let mut found = Vec::new();
        for position in self.index.persons_by_name_keys(&keys) {
            let Some(scored) = matcher.score(&self.index.person_records[position]) else { continue };
            if scored.score < threshold {
                continue;
            }
            let person = &self.index.persons[position];
            match rules.visibility(&person.markings.as_row()) {
                Visibility::Released => found.push(EntityMatch {
                    entity: Some(Entity::Person(person_message(person, rules))),
                    score: scored.score,
                    evidence: scored.evidence.iter().map(ToString::to_string).collect(),
                    ..EntityMatch::default()
                }),
                Visibility::HitOnly => withheld.add(&person.markings),
                Visibility::Invisible => {}
            }
        }
        found
    }

    fn identifiers(
        &self,
        kind: SearchKind,
        request: &NodeSearchRequest,
        rules: &RowRules,
        withheld: &mut Withheld,
    ) -> Vec<EntityMatch> {
        let mut found = Vec::new();
        let mut seen = BTreeSet::new();
        for (order, searched) in request.values.iter().enumerate() {
            let alternative = order > 0 && kind == SearchKind::Vehicle;
            let (score, evidence) = if alternative {
                (ALTERNATIVE_READING_SCORE, vec![format!("matched {}: {}", searched.value, searched.reason)])
            } else {
                (1.0, vec![format!("{} the same", search::search_kind_name(kind))])
            };
            let candidates: Vec<(usize, f64, Vec<String>)> = match kind {
                SearchKind::Phone => plain(self.index.phones_by_msisdn(&searched.value), score, &evidence),
                SearchKind::Vehicle => plain(self.index.vehicles_by_vrm(&searched.value), score, &evidence),
                SearchKind::Address => plain(self.index.addresses_by_postcode(&searched.value), score, &evidence),
                SearchKind::Ocg => self
                    .index
                    .ocgs_by_text(&searched.value)
                    .into_iter()
                    .map(|(position, exact)| {
                        let (score, why) = if exact {
                            (1.0, "reference or name the same")
                        } else {
                            (OCG_NAME_WORDS_SCORE, "name holds every word")
                        };
                        (position, score, vec![why.to_owned()])
                    })
                    .collect(),
                SearchKind::Person | SearchKind::Unspecified => Vec::new(),
            };
            for (position, score, evidence) in candidates {
                if !seen.insert(position) {
                    continue;
                }
                let (markings, entity) = match kind {
                    SearchKind::Phone => {
                        let row = &self.index.phones[position];
                        (&row.markings, Entity::Phone(phone_message(row, rules)))
                    }
                    SearchKind::Vehicle => {
                        let row = &self.index.vehicles[position];
                        (&row.markings, Entity::Vehicle(vehicle_message(row, rules)))
                    }
                    SearchKind::Address => {
                        let row = &self.index.addresses[position];
                        (&row.markings, Entity::Address(address_message(row, rules)))
                    }
                    _ => {
                        let row = &self.index.ocgs[position];
                        (&row.markings, Entity::Ocg(ocg_message(row, rules)))
                    }
                };
                match rules.visibility(&markings.as_row()) {
                    Visibility::Released => found.push(EntityMatch {
                        entity: Some(entity),
                        score,
                        evidence,
                        matched_value: searched.value.clone(),
                        ..EntityMatch::default()
                    }),
                    Visibility::HitOnly => withheld.add(markings),
                    Visibility::Invisible => {}
                }
            }
        }
        found
    }

    /// The records linked to a match, from this region and within policy. The `record_id`s of
    /// linked records released are added to `released`.
    fn linked(&self, found: &EntityMatch, released: &mut Vec<String>) -> Linked {
        let mut links = Links { reader: self, linked: Linked::default(), withheld: Withheld::default(), released };
        match &found.entity {
            Some(Entity::Person(person)) => links.of_person(&person.provenance.clone().unwrap_or_default().record_id),
            Some(Entity::Phone(phone)) => {
                links.person(&phone.user_person_id);
                links.intel(IntelLink::Phone, &record_of(&phone.provenance));
            }
            Some(Entity::Vehicle(vehicle)) => {
                links.person(&vehicle.keeper_person_id);
                links.intel(IntelLink::Vehicle, &record_of(&vehicle.provenance));
            }
            Some(Entity::Address(address)) => {
                let id = record_of(&address.provenance);
                for position in self.index.residents_of(&id) {
                    links.person_at(*position);
                }
                links.intel(IntelLink::Address, &id);
            }
            Some(Entity::Ocg(ocg)) => links.members(&record_of(&ocg.provenance)),
            None => {}
        }
        let Links { mut linked, withheld, .. } = links;
        linked.withheld = withheld.count;
        linked.withheld_conditions = withheld.conditions.into_iter().collect();
        linked
    }
}

/// The score of a vehicle found only under an alternative reading of the mark given.
pub const ALTERNATIVE_READING_SCORE: f64 = 0.9;
/// The score of an OCG whose name holds every word searched, but is not the name searched.
pub const OCG_NAME_WORDS_SCORE: f64 = 0.9;

fn plain(positions: &[usize], score: f64, evidence: &[String]) -> Vec<(usize, f64, Vec<String>)> {
    positions.iter().map(|position| (*position, score, evidence.to_vec())).collect()
}

/// Collects one match's links.
struct Links<'r, 'a> {
    reader: &'r Reader<'a>,
    linked: Linked,
    withheld: Withheld,
    released: &'r mut Vec<String>,
}

impl Links<'_, '_> {
    /// Decides a linked record: true when it is released (and records that it was).
    fn admit(&mut self, table: &str, markings: &Markings) -> bool {
        match self.reader.visibility(table, markings) {
            Visibility::Released => {
                self.released.push(markings.record_id.clone());
                true
            }
            Visibility::HitOnly => {
                self.withheld.add(markings);
                false
            }
            Visibility::Invisible => false,
        }
    }

    /// Decides a link made of two records (a membership and its group or member): released only
    /// when both are, withheld once when either is withheld.
    fn admit_both(&mut self, first: (&str, &Markings), second: (&str, &Markings)) -> bool {
        let seen = [self.reader.visibility(first.0, first.1), self.reader.visibility(second.0, second.1)];
        if seen.contains(&Visibility::Invisible) {
            return false;
        }
        if seen.contains(&Visibility::HitOnly) {
            self.withheld.add(if seen[0] == Visibility::HitOnly { first.1 } else { second.1 });
            return false;
        }
        self.admit(first.0, first.1) && self.admit(second.0, second.1)
    }

    fn rules(&self, table: &str) -> &RowRules {
        // Only called after `admit` said the table releases the record.
        &self.reader.rules[table]
    }

    fn of_person(&mut self, person_id: &str) {
        let index = self.reader.index;
        for position in index.phones_of_person(person_id) {
            let row = &index.phones[*position];
            if self.admit("phones", &row.markings) {
                self.linked.phones.push(phone_message(row, self.rules("phones")));
            }
        }
        for position in index.vehicles_of_person(person_id) {
            let row = &index.vehicles[*position];
            if self.admit("vehicles", &row.markings) {
                self.linked.vehicles.push(vehicle_message(row, self.rules("vehicles")));
            }
        }
        let home = index.person_by_id(person_id).and_then(|position| index.persons[position].home_address_id.clone());
        if let Some(address) = home.and_then(|id| index.address_by_id(&id)) {
            let row = &index.addresses[address];
            if self.admit("addresses", &row.markings) {
                self.linked.addresses.push(address_message(row, self.rules("addresses")));
            }
        }
        for position in index.memberships_of_person(person_id) {
            let member = &index.members[*position];
            let Some(ocg) = index.ocg_by_id(&member.ocg_id) else { continue };
            let ocg = &index.ocgs[ocg];
            if self.admit_both(("ocg_members", &member.markings), ("ocgs", &ocg.markings)) {
                self.linked.memberships.push(OcgMembership {
                    provenance: Some(provenance(&member.markings)),
                    role: masked(self.rules("ocg_members"), "role", &member.role),
                    ocg: Some(ocg_message(ocg, self.rules("ocgs"))),
                    person: None,
                });
            }
        }
        self.intel(IntelLink::Person, person_id);
    }

    fn person(&mut self, person_id: &str) {
        if let Some(position) = self.reader.index.person_by_id(person_id) {
            self.person_at(position);
        }
    }

    fn person_at(&mut self, position: usize) {
        let row = &self.reader.index.persons[position];
        if self.admit("persons", &row.markings) {
            self.linked.persons.push(person_message(row, self.rules("persons")));
        }
    }

    fn members(&mut self, ocg_id: &str) {
        let index = self.reader.index;
        for position in index.members_of_ocg(ocg_id) {
            let member = &index.members[*position];
            let Some(person) = index.person_by_id(&member.person_id) else { continue };
            let person = &index.persons[person];
            if self.admit_both(("ocg_members", &member.markings), ("persons", &person.markings)) {
                self.linked.memberships.push(OcgMembership {
                    provenance: Some(provenance(&member.markings)),
                    role: masked(self.rules("ocg_members"), "role", &member.role),
                    ocg: None,
                    person: Some(person_message(person, self.rules("persons"))),
                });
            }
        }
    }

    /// Counts the intelligence reports about a record that the caller may see, by grade.
    fn intel(&mut self, link: IntelLink, record_id: &str) {
        let index = self.reader.index;
        let mut grades: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        let mut reports = 0;
        for position in index.intel_about(link, record_id) {
            let report = &index.intel[*position];
            if self.admit("intel_reports", &report.markings) {
                reports += 1;
                let grade = (
                    report.grading_scheme.clone(),
                    report.source_evaluation.clone(),
                    report.intelligence_assessment.clone(),
                );
                *grades.entry(grade).or_default() += 1;
            }
        }
        self.linked.intel = Some(IntelSummary {
            reports,
            grades: grades
                .into_iter()
                .map(|((grading_scheme, source_evaluation, intelligence_assessment), reports)| GradeCount {
                    grading_scheme,
                    source_evaluation,
                    intelligence_assessment,
                    reports,
                })
                .collect(),
        });
    }
}

/// The safeguarding flags a match raises: a vulnerable person or victim, matched or linked, and a
/// cuckooed address.
fn safeguarding_of(found: &EntityMatch) -> Vec<SafeguardingFlag> {
    let mut flags = Vec::new();
    let mut persons: Vec<&Person> = Vec::new();
    let mut addresses: Vec<&Address> = Vec::new();
    match &found.entity {
        Some(Entity::Person(person)) => persons.push(person),
        Some(Entity::Address(address)) => addresses.push(address),
        _ => {}
    }
    if let Some(linked) = &found.linked {
        persons.extend(&linked.persons);
        persons.extend(linked.memberships.iter().filter_map(|membership| membership.person.as_ref()));
        addresses.extend(&linked.addresses);
    }
    for person in persons {
        let source = person.provenance.clone().unwrap_or_default();
        if person.vulnerable {
            flags.push(flag(VULNERABLE_PERSON, "person recorded as vulnerable", &source));
        }
        if person.person_category == "VICTIM" {
            flags.push(flag(VICTIM_OF_EXPLOITATION, "person recorded as a victim", &source));
        }
    }
    for address in addresses {
        if address.cuckooed {
            let source = address.provenance.clone().unwrap_or_default();
            flags.push(flag(CUCKOOED_ADDRESS, "address recorded as cuckooed", &source));
        }
    }
    flags
}

fn flag(name: &str, reason: &str, source: &Provenance) -> SafeguardingFlag {
    SafeguardingFlag {
        flag: name.to_owned(),
        reason: reason.to_owned(),
        region: source.region.clone(),
        record_id: source.record_id.clone(),
    }
}

fn record_of(provenance: &Option<Provenance>) -> String {
    provenance.as_ref().map(|source| source.record_id.clone()).unwrap_or_default()
}

fn record_id(found: &EntityMatch) -> &str {
    let provenance = match &found.entity {
        Some(Entity::Person(entity)) => &entity.provenance,
        Some(Entity::Phone(entity)) => &entity.provenance,
        Some(Entity::Vehicle(entity)) => &entity.provenance,
        Some(Entity::Address(entity)) => &entity.provenance,
        Some(Entity::Ocg(entity)) => &entity.provenance,
        None => return "",
    };
    provenance.as_ref().map_or("", |source| source.record_id.as_str())
}

fn provenance(markings: &Markings) -> Provenance {
    Provenance {
        region: markings.region.clone(),
        force: markings.force.clone(),
        record_id: markings.record_id.clone(),
        classification: markings.classification.clone(),
        handling_code: markings.handling_code.clone(),
        handling_conditions: markings.handling_conditions.clone().unwrap_or_default(),
    }
}

/// `value`, or empty when the rules mask `column`.
fn masked(rules: &RowRules, column: &str, value: &str) -> String {
    if rules.is_masked(column) { String::new() } else { value.to_owned() }
}

fn masked_option(rules: &RowRules, column: &str, value: &Option<String>) -> String {
    value.as_deref().map(|value| masked(rules, column, value)).unwrap_or_default()
}

fn date_text(rules: &RowRules, column: &str, value: Option<chrono::NaiveDate>) -> String {
    value.filter(|_| !rules.is_masked(column)).map(|date| date.to_string()).unwrap_or_default()
}

fn person_message(row: &PersonRow, rules: &RowRules) -> Person {
    Person {
        provenance: Some(provenance(&row.markings)),
        surname: masked(rules, "surname", &row.surname),
        forenames: masked(rules, "forenames", &row.forenames),
        dob: date_text(rules, "dob", row.dob),
        gender: masked(rules, "gender", &row.gender),
        nationality: masked_option(rules, "nationality", &row.nationality),
        pnc_id: masked_option(rules, "pnc_id", &row.pnc_id),
        person_category: masked(rules, "person_category", &row.person_category),
        vulnerable: row.vulnerable && !rules.is_masked("vulnerable"),
        home_address_id: masked_option(rules, "home_address_id", &row.home_address_id),
    }
}

fn phone_message(row: &PhoneRow, rules: &RowRules) -> Phone {
    Phone {
        provenance: Some(provenance(&row.markings)),
        msisdn: masked(rules, "msisdn", &row.msisdn),
        imei: masked_option(rules, "imei", &row.imei),
        user_person_id: masked_option(rules, "user_person_id", &row.user_person_id),
        first_seen: date_text(rules, "first_seen", row.first_seen),
        last_seen: date_text(rules, "last_seen", row.last_seen),
        deal_line: row.deal_line && !rules.is_masked("deal_line"),
    }
}

fn vehicle_message(row: &VehicleRow, rules: &RowRules) -> Vehicle {
    Vehicle {
        provenance: Some(provenance(&row.markings)),
        vrm: masked(rules, "vrm", &row.vrm),
        make: masked(rules, "make", &row.make),
        model: masked(rules, "model", &row.model),
        colour: masked(rules, "colour", &row.colour),
        keeper_person_id: masked_option(rules, "keeper_person_id", &row.keeper_person_id),
    }
}

fn address_message(row: &AddressRow, rules: &RowRules) -> Address {
    Address {
        provenance: Some(provenance(&row.markings)),
        line1: masked(rules, "line1", &row.line1),
        town: masked(rules, "town", &row.town),
        postcode: masked(rules, "postcode", &row.postcode),
        latitude: row.latitude.filter(|_| !rules.is_masked("latitude")),
        longitude: row.longitude.filter(|_| !rules.is_masked("longitude")),
        cuckooed: row.cuckooed && !rules.is_masked("cuckooed"),
    }
}

fn ocg_message(row: &OcgRow, rules: &RowRules) -> Ocg {
    Ocg {
        provenance: Some(provenance(&row.markings)),
        name: masked(rules, "name", &row.name),
        national_ref: masked_option(rules, "national_ref", &row.national_ref),
        exploitation_type: masked(rules, "exploitation_type", &row.exploitation_type),
        harm_score: if rules.is_masked("harm_score") { 0 } else { row.harm_score },
        status: masked(rules, "status", &row.status),
    }
}
