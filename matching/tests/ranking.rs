//! Ranking candidates for a person search: best first, cut at the threshold and the limit, and
//! in the same order whichever order the regions' records arrived in.

use chrono::NaiveDate;
use toex_matching::names::{DEFAULT_LIMIT, DEFAULT_THRESHOLD, DobQuery, PersonQuery, PersonRecord, rank};

fn born(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A mixed set of records for a search on John Smith born 1984-03-09.
fn candidates() -> Vec<PersonRecord> {
    vec![
        PersonRecord::new("Patel", "Priya").with_dob(born("1984-03-09")),
        PersonRecord::new("Smyth", "Jon").with_dob(born("1984-03-09")),
        PersonRecord::new("Smith", "John").with_dob(born("1984-03-09")),
        PersonRecord::new("Smith", "Jane").with_dob(born("1984-03-09")),
        PersonRecord::new("Smith", "John").with_dob(born("1994-03-09")),
        PersonRecord::new("Smith", "Johnny"),
        PersonRecord::new("Smithers", "John").with_dob(born("1984-03-09")),
        PersonRecord::new("SMITH", "john").with_dob(born("1984-03-09")),
    ]
}

fn query() -> PersonQuery {
    PersonQuery::new("Smith", "John").unwrap().with_dob(DobQuery::Exact(born("1984-03-09")))
}

#[test]
fn matches_come_best_first_and_look_alikes_are_left_out() {
    let records = candidates();
    let ranked = rank(&query(), &records, DEFAULT_THRESHOLD, DEFAULT_LIMIT);
    let order: Vec<usize> = ranked.iter().map(|found| found.index).collect();
    // Exact names and date (both spellings of the case), then Jon Smyth, then Johnny with no date.
    assert_eq!(order, [7, 2, 1, 5]);
    let scores: Vec<f64> = ranked.iter().map(|found| found.person_match.score).collect();
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]), "{scores:?}");
    assert!(scores.iter().all(|score| *score >= DEFAULT_THRESHOLD));
}

#[test]
fn equal_scores_keep_one_order_whatever_order_the_records_arrive_in() {
    let records = candidates();
    let reversed: Vec<PersonRecord> = records.iter().rev().cloned().collect();
    let forwards: Vec<&PersonRecord> =
        rank(&query(), &records, DEFAULT_THRESHOLD, DEFAULT_LIMIT).iter().map(|found| &records[found.index]).collect();
    let backwards: Vec<&PersonRecord> = rank(&query(), &reversed, DEFAULT_THRESHOLD, DEFAULT_LIMIT)
        .iter()
        .map(|found| &reversed[found.index])
        .collect();
    assert_eq!(forwards, backwards);
}

#[test]
fn the_limit_and_the_threshold_cut_the_list() {
    let records = candidates();
    assert_eq!(rank(&query(), &records, DEFAULT_THRESHOLD, 2).len(), 2);
    assert_eq!(rank(&query(), &records, DEFAULT_THRESHOLD, 0).len(), 0);
    let everything = rank(&query(), &records, 0.0, DEFAULT_LIMIT);
    let indexes: Vec<usize> = everything.iter().map(|found| found.index).collect();
    assert!(indexes.contains(&3) && indexes.contains(&4), "low scorers appear at threshold 0: {indexes:?}");
    assert!(!indexes.contains(&0) && !indexes.contains(&6), "non-matches never appear: {indexes:?}");
    assert_eq!(rank(&query(), &records, 1.0, DEFAULT_LIMIT).len(), 2);
    assert!(rank(&query(), &records, f64::NAN, DEFAULT_LIMIT).is_empty());
}
