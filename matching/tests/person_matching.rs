//! Person matching as an analyst sees it: the variants of a name that must be found, the
//! look-alikes that must not be offered, and how the date of birth moves the score.

use chrono::NaiveDate;
use toex_matching::names::{
    DEFAULT_THRESHOLD, DobNearMiss, DobQuery, DobQueryError, Evidence, Gender, NameKeys, PersonQuery, PersonQueryError,
    PersonRecord, forename_group_count, score_person,
};

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// The score of a candidate for a search, 0 when it does not match at all.
fn score(query: &PersonQuery, candidate: &PersonRecord) -> f64 {
    score_person(query, candidate).map_or(0.0, |found| found.score)
}

fn names(forenames: &str, surname: &str) -> PersonQuery {
    PersonQuery::new(surname, forenames).unwrap()
}

/// Searches and records that name one person, as (forenames, surname) pairs.
const VARIANT_CASES: &[(Recording, Recording)] = &[
    (("John", "SMITH"), ("john", "smith")),
    (("Michael", "O'Brien"), ("Michael", "OBrien")),
    (("Michael", "O’Brien"), ("Michael", "O Brien")),
    (("Zoë", "Phillips"), ("Zoe", "Phillips")),
    (("Piotr", "Wiśniewski"), ("Peter", "Wisniewski")),
    (("Minh", "Nguyễn"), ("Minh", "Nguyen")),
    (("Chloe", "Macdonald"), ("Chloe", "McDonald")),
    (("Alan", "Mackenzie"), ("Alan", "McKenzie")),
    (("Sarah", "Smith-Jones"), ("Sarah", "Smith Jones")),
    (("Sarah", "Smith-Jones"), ("Sarah", "Smith")),
    (("Sarah", "Smith-Jones"), ("Sarah", "Jones")),
    (("Nathan", "Edwards"), ("Edwards", "Nathan")),
    (("William", "Taylor"), ("Liam", "Taylor")),
    (("Margaret", "Walsh"), ("Maggie", "Walsh")),
    (("Richard", "Hughes"), ("Dick", "Hughes")),
    (("Edward", "Cole"), ("Ted", "Cole")),
    (("Henry", "Bird"), ("Harry", "Bird")),
    (("Mohammed", "Ali"), ("Mohamed", "Ali")),
    (("Catherine", "Reid"), ("Kathryn", "Reid")),
    (("John", "Jones"), ("Jonh", "Jones")),
    (("Ian", "Thompson"), ("Ian", "Thomson")),
    (("Ian", "Davies"), ("Ian", "Davis")),
    (("Abdul", "Rahman Miah"), ("Abdul Rahman", "Miah")),
    (("Rahman", "Miah"), ("Abdul Rahman", "Miah")),
    (("Lee", "Walker"), ("Lee James", "Walker")),
];

/// (forenames, surname) as recorded or searched for.
type Recording = (&'static str, &'static str);

#[test]
fn variants_of_a_name_match_above_the_threshold() {
    for &((query_forenames, query_surname), (forenames, surname)) in VARIANT_CASES {
        let found = score(&names(query_forenames, query_surname), &PersonRecord::new(surname, forenames));
        assert!(
            found >= DEFAULT_THRESHOLD,
            "{query_forenames} {query_surname} should match {forenames} {surname}, scored {found:.3}"
        );
    }
}

#[test]
fn a_search_looks_up_an_index_key_of_every_variant() {
    for &((query_forenames, query_surname), (forenames, surname)) in VARIANT_CASES {
        let lookup = NameKeys::new(query_surname, query_forenames).lookup_keys();
        let index = NameKeys::new(surname, forenames).index_keys();
        assert!(!lookup.is_disjoint(&index), "{query_forenames} {query_surname} cannot find {forenames} {surname}");
    }
}

#[test]
fn look_alikes_stay_below_the_threshold() {
    let born = date("1990-01-01");
    let cases = [
        // Same surname and date of birth, unrelated forename: twins or siblings, not one person.
        (("John", "Smith"), ("Jane", "Smith")),
        (("John", "Smith"), ("James", "Smith")),
        // Surnames that extend another into a different name.
        (("John", "Smith"), ("John", "Smithers")),
        (("Gary", "Smith"), ("Ian", "Smithers")),
        (("John", "Brown"), ("John", "Browning")),
        (("John", "Roberts"), ("John", "Robertson")),
        (("John", "Thomas"), ("John", "Thompson")),
        // Names that share a Double Metaphone code but are different names.
        (("Lee", "Hall"), ("Lee", "Hill")),
        (("Kevin", "Bell"), ("Kevin", "Ball")),
        (("Mark", "Khan"), ("Mark", "Kuhn")),
        // Masculine and feminine forms.
        (("Paul", "Jones"), ("Paula", "Jones")),
        (("Louis", "Jones"), ("Louise", "Jones")),
        (("Daniel", "Jones"), ("Danielle", "Jones")),
        (("Alexander", "Jones"), ("Alexandra", "Jones")),
        (("Samuel", "Jones"), ("Samantha", "Jones")),
        // Surname only in common with one half of a double-barrelled name.
        (("Sarah", "Jones"), ("Emma", "Williams-Jones")),
    ];
    for ((query_forenames, query_surname), (forenames, surname)) in cases {
        let query = names(query_forenames, query_surname).with_dob(DobQuery::Exact(born));
        let found = score(&query, &PersonRecord::new(surname, forenames).with_dob(born));
        assert!(
            found < DEFAULT_THRESHOLD,
            "{query_forenames} {query_surname} must not match {forenames} {surname}, scored {found:.3}"
        );
    }
}

#[test]
fn a_date_of_birth_a_decade_apart_sinks_exact_names() {
    let query = names("John", "Smith").with_dob(DobQuery::Exact(date("1980-05-01")));
    let candidate = PersonRecord::new("Smith", "John").with_dob(date("1990-05-01"));
    let found = score_person(&query, &candidate).unwrap();
    assert!(found.score < 0.5, "{found:?}");
    assert!(found.evidence.contains(&Evidence::DobConflict));
}

#[test]
fn the_date_of_birth_raises_and_lowers_the_score_in_order() {
    let query = names("John", "Smith").with_dob(DobQuery::Exact(date("1985-06-05")));
    let recorded = |dob: &str| score(&query, &PersonRecord::new("Smith", "John").with_dob(date(dob)));
    let exact = recorded("1985-06-05");
    let swapped = recorded("1985-05-06");
    let slip = recorded("1985-06-06");
    let missing = score(&query, &PersonRecord::new("Smith", "John"));
    let conflict = recorded("1972-02-01");
    assert_eq!(exact, 1.0);
    assert!(slip < exact && slip >= DEFAULT_THRESHOLD, "a one-digit slip still matches: {slip}");
    assert!((swapped - slip).abs() < 1e-9, "day and month swapped is a slip too: {swapped}");
    assert!((missing - slip).abs() < 1e-9, "a slip counts as much as no date: {missing}");
    assert!(conflict < DEFAULT_THRESHOLD && conflict < missing, "{conflict}");
}

#[test]
fn recording_slips_in_the_date_are_named() {
    let near_miss = |asked: &str, recorded: &str| {
        let query = names("John", "Smith").with_dob(DobQuery::Exact(date(asked)));
        let found = score_person(&query, &PersonRecord::new("Smith", "John").with_dob(date(recorded)));
        found.and_then(|found| {
            found.evidence.iter().find_map(|evidence| match evidence {
                Evidence::DobNearMiss { kind } => Some(*kind),
                _ => None,
            })
        })
    };
    assert_eq!(near_miss("1985-04-03", "1985-03-04"), Some(DobNearMiss::DayMonthSwapped));
    assert_eq!(near_miss("1985-04-03", "1985-04-08"), Some(DobNearMiss::DayDigit));
    assert_eq!(near_miss("1985-04-03", "1986-04-03"), Some(DobNearMiss::YearSlip));
    assert_eq!(near_miss("1985-04-03", "1995-04-03"), None);
}

#[test]
fn partial_dates_and_ranges_match_what_they_cover() {
    let candidate = PersonRecord::new("Smith", "John").with_dob(date("1990-05-12"));
    let cases = [
        (DobQuery::Year(1990), Evidence::DobPartial),
        (DobQuery::year_month(1990, 5).unwrap(), Evidence::DobPartial),
        (DobQuery::range(date("1989-01-01"), date("1991-12-31")).unwrap(), Evidence::DobWithinRange),
        (DobQuery::Year(1991), Evidence::DobConflict),
        (DobQuery::year_month(1990, 6).unwrap(), Evidence::DobConflict),
        (DobQuery::range(date("1991-01-01"), date("1995-12-31")).unwrap(), Evidence::DobConflict),
    ];
    for (dob, expected) in cases {
        let found = score_person(&names("John", "Smith").with_dob(dob), &candidate).unwrap();
        assert!(found.evidence.contains(&expected), "{dob}: {:?}", found.evidence);
        let matched = found.score >= DEFAULT_THRESHOLD;
        assert_eq!(matched, expected != Evidence::DobConflict, "{dob} scored {}", found.score);
    }
}

#[test]
fn date_criteria_are_read_from_text() {
    assert_eq!(DobQuery::parse("1990"), Ok(DobQuery::Year(1990)));
    assert_eq!(DobQuery::parse("1990-05"), DobQuery::year_month(1990, 5));
    assert_eq!(DobQuery::parse("1990-05-12"), Ok(DobQuery::Exact(date("1990-05-12"))));
    assert_eq!(DobQuery::parse("12/05/1990"), Ok(DobQuery::Exact(date("1990-05-12"))));
    assert_eq!(DobQuery::parse("1985-01-01..1990-12-31"), DobQuery::range(date("1985-01-01"), date("1990-12-31")));
    assert_eq!(DobQuery::parse("1990-13"), Err(DobQueryError::NoSuchMonth { month: 13 }));
    assert!(matches!(DobQuery::parse("1990-12-31..1985-01-01"), Err(DobQueryError::EmptyRange { .. })));
    assert!(matches!(DobQuery::parse("last tuesday"), Err(DobQueryError::Unreadable { .. })));
    assert_eq!(DobQuery::parse("1990-05").map(|dob| dob.to_string()), Ok("1990-05".to_owned()));
}

#[test]
fn a_conflicting_gender_separates_names_that_sound_alike() {
    let query = names("Jo", "Smith").with_gender(Gender::Male);
    let same = score(&query, &PersonRecord::new("Smith", "Jo").with_gender(Gender::Male));
    let other = score(&query, &PersonRecord::new("Smith", "Jo").with_gender(Gender::Female));
    let unknown = score(&query, &PersonRecord::new("Smith", "Jo"));
    assert_eq!(same, 1.0);
    assert_eq!(unknown, 1.0);
    assert!(other < DEFAULT_THRESHOLD, "{other}");
    assert_eq!(Gender::from_code("f"), Some(Gender::Female));
    assert_eq!(Gender::from_code("U"), None);
}

#[test]
fn a_transposed_match_is_flagged_and_ranks_below_the_straight_one() {
    let query = names("Thomas", "James");
    let straight = score_person(&query, &PersonRecord::new("James", "Thomas")).unwrap();
    let transposed = score_person(&query, &PersonRecord::new("Thomas", "James")).unwrap();
    assert!(transposed.evidence.contains(&Evidence::NamesTransposed));
    assert!(!straight.evidence.contains(&Evidence::NamesTransposed));
    assert!(straight.score > transposed.score && transposed.score >= DEFAULT_THRESHOLD);
}

#[test]
fn a_double_barrelled_part_matches_for_less_than_the_whole_name() {
    let query = names("Sarah", "Davies-Brown");
    let whole = score(&query, &PersonRecord::new("Davies Brown", "Sarah"));
    let part = score_person(&query, &PersonRecord::new("Brown", "Sarah")).unwrap();
    assert_eq!(whole, 1.0);
    assert!(part.score < whole && part.score >= DEFAULT_THRESHOLD);
    assert!(part.evidence.contains(&Evidence::HyphenatedSurnamePart { part: "brown".to_owned() }));
}

#[test]
fn initials_and_missing_forenames_match_for_less() {
    let initial = score_person(&names("J", "Smith"), &PersonRecord::new("Smith", "John")).unwrap();
    assert!(initial.evidence.contains(&Evidence::ForenameInitial));
    assert!(initial.score >= DEFAULT_THRESHOLD && initial.score < 0.9, "{}", initial.score);
    assert!(score(&names("J", "Smith"), &PersonRecord::new("Smith", "Kevin")) < DEFAULT_THRESHOLD);
    let born = date("1990-01-01");
    let no_forenames = score_person(
        &names("John", "Smith").with_dob(DobQuery::Exact(born)),
        &PersonRecord::new("Smith", "").with_dob(born),
    )
    .unwrap();
    assert!(no_forenames.evidence.contains(&Evidence::ForenamesMissing));
    assert!(no_forenames.score < 0.9);
}

#[test]
fn surname_only_searches_find_every_spelling_of_the_surname() {
    let query = names("", "Smith");
    assert_eq!(score(&query, &PersonRecord::new("Smith", "Anyone")), 1.0);
    assert!(score(&query, &PersonRecord::new("Smyth", "Anyone")) >= DEFAULT_THRESHOLD);
    assert_eq!(score_person(&query, &PersonRecord::new("Jones", "Smith")), None, "forenames never transpose alone");
}

#[test]
fn a_search_needs_a_surname_with_letters() {
    assert_eq!(PersonQuery::new("  ", "John"), Err(PersonQueryError::MissingSurname));
    assert_eq!(PersonQuery::new("--'", "John"), Err(PersonQueryError::MissingSurname));
}

#[test]
fn unrelated_people_do_not_match_at_all() {
    assert_eq!(score_person(&names("John", "Smith"), &PersonRecord::new("Patel", "Priya")), None);
}

#[test]
fn the_nickname_table_is_large_enough() {
    assert!(forename_group_count() >= 40, "{}", forename_group_count());
}
