//! Ranks candidate records against a person search: scores every candidate, keeps those at or
//! above a threshold, best first, ties broken by the candidates' names, date of birth and then
//! input position so the order never depends on which region answered first.

use chrono::NaiveDate;

use super::normalise::fold_words;
use super::person::{PersonQuery, PersonRecord};
use super::score::{PersonMatch, PersonMatcher};

/// The default score a candidate needs to be offered as a match.
///
/// It sits in the gap between the two sets the tests pin down. Every variant the synthetic data
/// plants (spelling, nickname, punctuation, diacritic, double-barrelled, transposed, split name)
/// scores at least 0.92 with the date of birth and 0.90 without it (the weakest is `Christopher
/// Green`/`Chris Greene`: a nickname and a phonetic surname together). The strongest look-alike,
/// the same surname and date of birth with an unrelated forename (twins `John` and `Jane Smith`),
/// scores 0.65; exact names with a conflicting date of birth 0.48; surnames that only extend one
/// another (`Smith`/`Smithers`, `Brown`/`Browning`) do not match at all. Just above it: an initial
/// that agrees (0.83 to 0.86), exact surname and date of birth with no recorded forenames (0.83).
pub const DEFAULT_THRESHOLD: f64 = 0.80;
/// The default number of matches returned.
pub const DEFAULT_LIMIT: usize = 50;

/// One candidate that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedPerson {
    /// Position of the candidate in the slice given to [`rank`].
    pub index: usize,
    /// Its score and evidence.
    pub person_match: PersonMatch,
}

/// What candidates with equal scores are ordered by: normalised surname, normalised forenames,
/// date of birth, then the names exactly as recorded.
type TieBreakKey<'a> = (String, String, Option<NaiveDate>, &'a str, &'a str);

fn tie_break_key(candidate: &PersonRecord) -> TieBreakKey<'_> {
    (
        fold_words(&candidate.surname).concat(),
        fold_words(&candidate.forenames).join(" "),
        candidate.dob,
        &candidate.surname,
        &candidate.forenames,
    )
}

/// Scores `candidates` against `query` and returns those scoring at least `threshold` (see
/// [`DEFAULT_THRESHOLD`]), at most `limit`, highest score first. Equal scores are ordered by the
/// candidates' normalised surname, forenames and date of birth, then the names as recorded, and
/// only identical records by input position, so the order never depends on arrival order.
pub fn rank(query: &PersonQuery, candidates: &[PersonRecord], threshold: f64, limit: usize) -> Vec<RankedPerson> {
    let matcher = PersonMatcher::new(query);
    let mut matched: Vec<(RankedPerson, TieBreakKey<'_>)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(index, candidate)| {
            let person_match = matcher.score(candidate).filter(|found| found.score >= threshold)?;
            Some((RankedPerson { index, person_match }, tie_break_key(candidate)))
        })
        .collect();
    matched.sort_by(|(left, left_key), (right, right_key)| {
        right
            .person_match
            .score
            .total_cmp(&left.person_match.score)
            .then_with(|| left_key.cmp(right_key))
            .then_with(|| left.index.cmp(&right.index))
    });
    matched.truncate(limit);
    matched.into_iter().map(|(ranked, _)| ranked).collect()
}
