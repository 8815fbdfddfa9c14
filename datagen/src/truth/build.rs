//! Builds the ground truth from the seed and the region list alone: which regions share which
//! deal lines, OCGs, people and vehicles, and the record ids each region gives them (planted
//! records take the first record numbers of their table, in ground-truth order).

use std::collections::{BTreeMap, HashMap};

use rand::Rng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use toex_common::cdm::EXPLOITATION_TYPES;

use super::variants::VARIANT_PEOPLE;
use super::{GroundTruth, Overlap, OverlapKind, PlantedRecord};
use crate::fields::{self, drama_msisdn};
use crate::ids::{record_id, table_letters};
use crate::pick::WeightedPick;
use crate::seed::stream;
use crate::vocab::lists::{COLOURS, EXPLOITATION_WEIGHTS, LINE_NAMES, OCG_COLLECTIVES, VEHICLES};
use crate::vocab::places::{memory_tags, places_of};

/// Planted deal lines (drama-range msisdns shared by several regions).
pub const SHARED_DEAL_LINES: usize = 20;
/// Fewest and most regions a planted deal line is used in.
const DEAL_LINE_REGIONS: (usize, usize) = (2, 4);
/// Planted OCGs spanning regions.
pub const SPANNING_OCGS: usize = 5;
/// Fewest and most regions a spanning OCG is recorded in.
const SPANNING_OCG_REGIONS: (usize, usize) = (2, 3);
/// Planted vehicles seen in two regions.
pub const SHARED_VEHICLES: usize = 10;
/// Size of the Ofcom mobile drama range (`07700 900000` to `07700 900999`).
const DRAMA_RANGE_SIZE: usize = 1000;
/// Highest number used in a planted `OCG-NAT-nnnn` reference.
const NATIONAL_REF_LIMIT: usize = 10_000;

/// Assigns planted record ids: the first record numbers of each region's table.
#[derive(Default)]
struct Planter {
    next_number: HashMap<(String, &'static str), u64>,
    overlaps: Vec<Overlap>,
}

impl Planter {
    fn record(&mut self, region: &str, table: &'static str, values: &[(&str, String)]) -> PlantedRecord {
        let counter = self.next_number.entry((region.to_owned(), table)).or_insert(0);
        *counter += 1;
        // Only the fixed CDM table names below are passed here.
        let letters = table_letters(table).unwrap_or("X");
        PlantedRecord {
            region: region.to_owned(),
            table: table.to_owned(),
            record_id: record_id(region, letters, *counter),
            values: values.iter().map(|(key, value)| ((*key).to_owned(), value.clone())).collect::<BTreeMap<_, _>>(),
        }
    }
}

/// Picks between `range.0` and `range.1` distinct regions (random order: the first is "home").
fn choose_regions<'a>(rng: &mut ChaCha8Rng, regions: &[&'a str], range: (usize, usize)) -> Vec<&'a str> {
    let wanted = rng.random_range(range.0..=range.1).min(regions.len());
    sample(rng, regions.len(), wanted).into_iter().map(|index| regions[index]).collect()
}

/// Sorts regions into the order of the region list, for stable, readable output.
fn in_list_order<'a>(chosen: &[&'a str], regions: &[&'a str]) -> Vec<&'a str> {
    regions.iter().copied().filter(|region| chosen.contains(region)).collect()
}

/// The ground truth for `seed` over `regions`. `generate` always passes every region of
/// `toex_common::regions::REGIONS`, so the file is the same whichever region is generated.
pub fn ground_truth(seed: u64, regions: &[&str]) -> GroundTruth {
    let mut planter = Planter::default();
    if regions.len() >= 2 {
        plant_deal_lines(seed, regions, &mut planter);
        plant_spanning_ocgs(seed, regions, &mut planter);
        plant_variant_people(seed, regions, &mut planter);
        plant_shared_vehicles(seed, regions, &mut planter);
    }
    GroundTruth {
        seed,
        regions: regions.iter().map(|region| (*region).to_owned()).collect(),
        overlaps: planter.overlaps,
    }
}

fn plant_deal_lines(seed: u64, regions: &[&str], planter: &mut Planter) {
    let mut rng = stream(seed, &["ground-truth", "deal-lines"]);
    let mut numbers = sample(&mut rng, DRAMA_RANGE_SIZE, SHARED_DEAL_LINES).into_vec();
    numbers.sort_unstable();
    for number in numbers {
        let msisdn = drama_msisdn(number as u32);
        let chosen = choose_regions(&mut rng, regions, DEAL_LINE_REGIONS);
        let records = in_list_order(&chosen, regions)
            .into_iter()
            .map(|region| {
                planter.record(region, "phones", &[("msisdn", msisdn.clone()), ("deal_line", "true".to_owned())])
            })
            .collect();
        planter.overlaps.push(Overlap { kind: OverlapKind::SharedDealLine, identifier: msisdn, detail: None, records });
    }
}

fn plant_spanning_ocgs(seed: u64, regions: &[&str], planter: &mut Planter) {
    let mut rng = stream(seed, &["ground-truth", "ocgs"]);
    let exploitation =
        WeightedPick::new(&EXPLOITATION_TYPES.iter().copied().zip(EXPLOITATION_WEIGHTS).collect::<Vec<_>>());
    let mut references = sample(&mut rng, NATIONAL_REF_LIMIT - 1, SPANNING_OCGS).into_vec();
    references.sort_unstable();
    for reference in references {
        let national_ref = format!("OCG-NAT-{:04}", reference + 1);
        let chosen = choose_regions(&mut rng, regions, SPANNING_OCG_REGIONS);
        let home = places_of(chosen[0]);
        let name = match home {
            Some(places) if rng.random_bool(0.5) => {
                let place = places.neighbourhoods[rng.random_range(0..places.neighbourhoods.len())];
                let collective = OCG_COLLECTIVES[rng.random_range(0..OCG_COLLECTIVES.len())];
                format!("The {place} {collective}")
            }
            _ => format!("{} Line", LINE_NAMES[rng.random_range(0..LINE_NAMES.len())]),
        };
        let exploitation_type = exploitation.pick(&mut rng).to_owned();
        let values = [("name", name), ("national_ref", national_ref.clone()), ("exploitation_type", exploitation_type)];
        let records =
            in_list_order(&chosen, regions).into_iter().map(|region| planter.record(region, "ocgs", &values)).collect();
        planter.overlaps.push(Overlap {
            kind: OverlapKind::SpanningOcg,
            identifier: national_ref,
            detail: None,
            records,
        });
    }
}

fn plant_variant_people(seed: u64, regions: &[&str], planter: &mut Planter) {
    let mut rng = stream(seed, &["ground-truth", "people"]);
    let other_category = WeightedPick::new(&[("SUSPECT", 5), ("OTHER", 3), ("WITNESS", 1)]);
    for person in VARIANT_PEOPLE {
        let chosen = choose_regions(&mut rng, regions, (2, 2));
        let dob = fields::iso_date(fields::dob_day(&mut rng));
        let categories = if person.victim_and_suspect {
            ["VICTIM", "SUSPECT"]
        } else {
            [other_category.pick(&mut rng), other_category.pick(&mut rng)]
        };
        let recordings = [person.first, person.second];
        let records = chosen
            .iter()
            .zip(recordings.iter().zip(categories))
            .map(|(region, ((forenames, surname), category))| {
                let values = [
                    ("surname", (*surname).to_owned()),
                    ("forenames", (*forenames).to_owned()),
                    ("dob", dob.clone()),
                    ("gender", person.gender.to_owned()),
                    ("person_category", category.to_owned()),
                    ("vulnerable", (category == "VICTIM").to_string()),
                ];
                planter.record(region, "persons", &values)
            })
            .collect();
        let (forenames, surname) = person.canonical;
        planter.overlaps.push(Overlap {
            kind: OverlapKind::VariantPerson,
            identifier: format!("{forenames} {surname} {dob}"),
            detail: Some(person.variation.to_owned()),
            records,
        });
    }
}

fn plant_shared_vehicles(seed: u64, regions: &[&str], planter: &mut Planter) {
    let mut rng = stream(seed, &["ground-truth", "vehicles"]);
    let makes = WeightedPick::new(
        &VEHICLES.iter().map(|(make, models, weight)| ((*make, *models), *weight)).collect::<Vec<_>>(),
    );
    let colours = WeightedPick::new(COLOURS);
    for _ in 0..SHARED_VEHICLES {
        let chosen = choose_regions(&mut rng, regions, (2, 2));
        let tags = places_of(chosen[0]).map(memory_tags).unwrap_or_else(|| vec!["LA".to_owned()]);
        let vrm = fields::vrm(&mut rng, &tags);
        let (make, models) = makes.pick(&mut rng);
        let model = models[rng.random_range(0..models.len())];
        let values = [
            ("vrm", vrm.clone()),
            ("make", make.to_owned()),
            ("model", model.to_owned()),
            ("colour", colours.pick(&mut rng).to_owned()),
        ];
        let records = in_list_order(&chosen, regions)
            .into_iter()
            .map(|region| planter.record(region, "vehicles", &values))
            .collect();
        planter.overlaps.push(Overlap { kind: OverlapKind::SharedVehicle, identifier: vrm, detail: None, records });
    }
}
