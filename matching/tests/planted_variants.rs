//! Every name variant the synthetic data generator plants must match above the default
//! threshold, with the same date of birth and without one.
//!
//! `toex-datagen` depends on arrow and parquet, which this crate must not pull in, so its
//! tables are copied here. Keep them in step with:
//! - `datagen/src/truth/variants.rs` (`VARIANT_PEOPLE`: the people planted in two regions);
//! - `datagen/src/vocab/names.rs` (`VARIANT_GROUPS`: spellings swapped into bulk records, either
//!   for the first forename or, when that has no variant, for the surname).

use chrono::NaiveDate;
use toex_matching::names::{
    DEFAULT_THRESHOLD, DobQuery, Evidence, NameKeys, PersonMatch, PersonQuery, PersonRecord, score_person,
};

/// How one region recorded a person: (forenames, surname).
type Recording = (&'static str, &'static str);

/// (first recording, second recording, variation), copied from `VARIANT_PEOPLE` in
/// `datagen/src/truth/variants.rs`.
const VARIANT_PEOPLE: &[(Recording, Recording, &str)] = &[
    (("Mohammed", "Khan"), ("Muhammad", "Khan"), "spelling"),
    (("John", "Smith"), ("Jon", "Smyth"), "spelling"),
    (("Katherine", "Jones"), ("Catherine", "Jones"), "spelling"),
    (("William", "Taylor"), ("Bill", "Taylor"), "nickname"),
    (("Sarah", "Davies-Brown"), ("Sarah", "Brown"), "double_barrelled"),
    (("Ahmed", "Hussain"), ("Hussain", "Ahmed"), "transposed"),
    (("Stephen", "Roberts"), ("Steven", "Roberts"), "spelling"),
    (("Mohammad", "Iqbal"), ("Muhammed", "Iqbal"), "spelling"),
    (("Elizabeth", "Thompson"), ("Liz", "Thomson"), "nickname"),
    (("Robert", "Wilson"), ("Bob", "Wilson"), "nickname"),
    (("Jamie", "Lee-Walker"), ("Jamie", "Walker"), "double_barrelled"),
    (("Chloe", "McDonald"), ("Chloe", "MacDonald"), "spelling"),
    (("Michael", "O'Brien"), ("Michael", "OBrien"), "punctuation"),
    (("Aleksander", "Nowak"), ("Alexander", "Nowak"), "spelling"),
    (("Thomas", "Evans"), ("Tom", "Evans"), "nickname"),
    (("Daniel", "Wright"), ("Wright", "Daniel"), "transposed"),
    (("Rebecca", "Harris"), ("Rebekah", "Harris"), "spelling"),
    (("Anthony", "Clarke"), ("Tony", "Clark"), "nickname"),
    (("Kyle", "Thompson"), ("Kyle", "Thomson"), "spelling"),
    (("Leanne", "Hughes-Jones"), ("Leanne", "Jones"), "double_barrelled"),
    (("Christopher", "Green"), ("Chris", "Greene"), "nickname"),
    (("Abdul Rahman", "Miah"), ("Abdul", "Rahman Miah"), "name_split"),
    (("Jayden", "Brown"), ("Jaden", "Browne"), "spelling"),
    (("Siobhan", "Kelly"), ("Shivaun", "Kelly"), "spelling"),
    (("Oluwaseun", "Adeyemi"), ("Seun", "Adeyemi"), "nickname"),
    (("Connor", "Murphy"), ("Conor", "Murphy"), "spelling"),
    (("Zoë", "Phillips"), ("Zoe", "Phillips"), "diacritic"),
    (("Jack", "Harrison-Ward"), ("Jack", "Ward"), "double_barrelled"),
    (("Nathan", "Edwards"), ("Edwards", "Nathan"), "transposed"),
    (("Margaret", "Walsh"), ("Peggy", "Walsh"), "nickname"),
];

/// Where a variant group applies in generated records: as the first forename, as the surname.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Applies {
    Forename,
    Surname,
    Both,
}

/// Copied from `VARIANT_GROUPS` in `datagen/src/vocab/names.rs`, each tagged with where the
/// generator can apply it: as a forename when a member is in `MALE_FORENAMES` or
/// `FEMALE_FORENAMES`, as a surname when a member is in `SURNAMES` (same file).
const VARIANT_GROUPS: &[(&[&str], Applies)] = &[
    (&["Mohammed", "Muhammad", "Mohammad", "Mohamed", "Muhammed"], Applies::Forename),
    (&["Smith", "Smyth", "Smithe"], Applies::Surname),
    (&["John", "Jon", "Jonathon"], Applies::Forename),
    (&["Catherine", "Katherine", "Kathryn", "Catherin"], Applies::Forename),
    (&["Stephen", "Steven", "Stephan"], Applies::Forename),
    (&["Rebecca", "Rebekah", "Rebbeca"], Applies::Forename),
    (&["Clarke", "Clark"], Applies::Surname),
    (&["Thompson", "Thomson", "Tompson"], Applies::Surname),
    (&["Zoe", "Zoë", "Zoey"], Applies::Forename),
    (&["Jayden", "Jaden", "Jaydon"], Applies::Forename),
    (&["Connor", "Conor"], Applies::Forename),
    (&["Shaun", "Sean", "Shawn"], Applies::Forename),
    (&["Lewis", "Louis"], Applies::Both),
    (&["Philips", "Phillips"], Applies::Surname),
    (&["McDonald", "MacDonald", "Mcdonald"], Applies::Surname),
    (&["Chowdhury", "Choudhury", "Chaudhry"], Applies::Surname),
    (&["Hussain", "Hussein", "Husain"], Applies::Surname),
    (&["Ahmed", "Ahmad"], Applies::Both),
    (&["Nguyen", "Nguyễn"], Applies::Surname),
    (&["Gray", "Grey"], Applies::Surname),
    (&["Reece", "Rhys", "Reese"], Applies::Forename),
    (&["Leanne", "Leann", "Lianne"], Applies::Forename),
];

/// Every ordered pair of different names in the groups that apply to `role`.
fn variant_pairs(role: Applies) -> Vec<(&'static str, &'static str)> {
    VARIANT_GROUPS
        .iter()
        .filter(|(_, applies)| *applies == role || *applies == Applies::Both)
        .flat_map(|(group, _)| {
            group.iter().flat_map(move |left| {
                group.iter().filter(move |right| *right != left).map(move |right| (*left, *right))
            })
        })
        .collect()
}

/// A date of birth shared by both recordings, as the generator plants.
fn planted_dob() -> NaiveDate {
    NaiveDate::from_ymd_opt(1994, 7, 21).unwrap_or_default()
}

/// Scores `second` as a candidate for a search on `first`, with and without the date of birth.
fn scores(first: (&str, &str), second: (&str, &str)) -> (Option<PersonMatch>, Option<PersonMatch>) {
    let (first_forenames, first_surname) = first;
    let (second_forenames, second_surname) = second;
    let query = PersonQuery::new(first_surname, first_forenames).unwrap();
    let candidate = PersonRecord::new(second_surname, second_forenames).with_dob(planted_dob());
    let with_dob = score_person(&query.clone().with_dob(DobQuery::Exact(planted_dob())), &candidate);
    let without_dob = score_person(&query, &candidate);
    (with_dob, without_dob)
}

fn assert_matches(first: (&str, &str), second: (&str, &str), what: &str) {
    let (with_dob, without_dob) = scores(first, second);
    for (label, found) in [("with dob", with_dob), ("without dob", without_dob)] {
        let score = found.as_ref().map_or(0.0, |found| found.score);
        assert!(score >= DEFAULT_THRESHOLD, "{what}: {first:?} vs {second:?} {label} scored {score:.3}: {found:?}");
    }
}

#[test]
fn every_planted_person_matches_their_other_recording_both_ways() {
    for (first, second, variation) in VARIANT_PEOPLE {
        assert_matches(*first, *second, variation);
        assert_matches(*second, *first, variation);
    }
}

#[test]
fn planted_people_carry_evidence_naming_the_variation() {
    for (first, second, variation) in VARIANT_PEOPLE {
        let (Some(found), _) = scores(*first, *second) else {
            panic!("{first:?} vs {second:?} did not match");
        };
        let expected = |evidence: &Evidence| match *variation {
            "transposed" => *evidence == Evidence::NamesTransposed,
            "double_barrelled" => matches!(evidence, Evidence::HyphenatedSurnamePart { .. }),
            "name_split" => *evidence == Evidence::NameSplitDiffers,
            "nickname" => *evidence == Evidence::ForenameNickname,
            _ => true,
        };
        assert!(found.evidence.iter().any(expected), "{variation}: {first:?} vs {second:?}: {:?}", found.evidence);
        assert!(found.evidence.contains(&Evidence::DobExact), "{:?}", found.evidence);
    }
}

#[test]
fn every_bulk_spelling_variant_matches_where_the_generator_applies_it() {
    for (left, right) in variant_pairs(Applies::Forename) {
        assert_matches((left, "Taylor"), (right, "Taylor"), "forename variant");
    }
    for (left, right) in variant_pairs(Applies::Surname) {
        assert_matches(("Sarah", left), ("Sarah", right), "surname variant");
    }
}

#[test]
fn every_planted_pair_shares_an_index_key() {
    for (first, second, variation) in VARIANT_PEOPLE {
        for (search, record) in [(first, second), (second, first)] {
            let lookup = NameKeys::new(search.1, search.0).lookup_keys();
            let index = NameKeys::new(record.1, record.0).index_keys();
            assert!(!lookup.is_disjoint(&index), "{variation}: {search:?} cannot find {record:?}");
        }
    }
    for (left, right) in variant_pairs(Applies::Surname) {
        let lookup = NameKeys::new(left, "Sarah").lookup_keys();
        let index = NameKeys::new(right, "Sarah").index_keys();
        assert!(!lookup.is_disjoint(&index), "surname {left} cannot find {right}");
    }
}
