//! Scores one candidate against a person search: surname, forenames and date of birth combined
//! into one score in 0..=1 with the evidence behind it, trying the candidate's names the other
//! way round too, and cutting the score hard for a conflicting date of birth or gender.
//!
//! The score is a weighted mean of the parts the search gives (surname always, forenames and
//! date of birth when asked for), so a surname-only search for `Smith` scores every Smith 1.0,
//! then multiplied by the penalties for a conflict or transposed names.

use super::dob::compare_dob;
use super::evidence::Evidence;
use super::normalise::PreparedName;
use super::person::{PersonQuery, PersonRecord};
use super::similarity::{Comparison, compare_forenames, compare_surnames};

/// Weight of the surname's similarity.
pub const SURNAME_WEIGHT: f64 = 0.45;
/// Weight of the forenames' similarity, when the search gives forenames.
pub const FORENAME_WEIGHT: f64 = 0.35;
/// Agreement credited when the search gives forenames but the candidate has none recorded.
pub const MISSING_FORENAMES_AGREEMENT: f64 = 0.5;
/// Similarity of surname and forenames when the words agree but are split differently.
pub const NAME_SPLIT_SIMILARITY: f64 = 0.95;
/// Factor for a match found only with the candidate's surname and forenames swapped.
pub const TRANSPOSED_FACTOR: f64 = 0.95;
/// Factor for a conflicting date of birth: exact names with a conflicting date score 0.48.
pub const DOB_CONFLICT_FACTOR: f64 = 0.6;
/// Factor for a conflicting gender (`Paul`/`Paula` with `M`/`F`).
pub const GENDER_CONFLICT_FACTOR: f64 = 0.7;

/// How well a candidate matches, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMatch {
    /// 0 (nothing in common) to 1 (everything asked for agrees exactly).
    pub score: f64,
    /// The reasons, surname first, then forenames, date of birth, gender and transposition.
    pub evidence: Vec<Evidence>,
}

/// How the names of one orientation agree.
struct NameAgreement {
    surname: f64,
    forenames: Option<f64>,
    evidence: Vec<Evidence>,
}

impl NameAgreement {
    /// The names' contribution to the score, to choose between orientations.
    fn weighted(&self) -> f64 {
        SURNAME_WEIGHT * self.surname + self.forenames.map_or(0.0, |forenames| FORENAME_WEIGHT * forenames)
    }
}

/// A person search prepared once for scoring many candidates.
#[derive(Debug, Clone)]
pub struct PersonMatcher {
    query: PersonQuery,
    names: PreparedName,
}

impl PersonMatcher {
    /// Prepares `query`: its names are normalised once, and each phonetic code computed at most
    /// once. A matcher can be shared between threads.
    pub fn new(query: &PersonQuery) -> Self {
        Self { query: query.clone(), names: PreparedName::new(&query.surname, &query.forenames) }
    }

    /// The search being scored.
    pub fn query(&self) -> &PersonQuery {
        &self.query
    }

    /// Scores `candidate`, or `None` when the surnames do not match in either orientation (the
    /// forenames and date of birth alone never make a person match).
    pub fn score(&self, candidate: &PersonRecord) -> Option<PersonMatch> {
        let straight = compare_names(&self.names, &PreparedName::new(&candidate.surname, &candidate.forenames));
        let straight_value = straight.as_ref().map_or(0.0, NameAgreement::weighted);
        // Swapped names can only win when the straight reading scores below the best a
        // transposed one can (all-exact names, discounted).
        let best_transposed_value = (SURNAME_WEIGHT + FORENAME_WEIGHT) * TRANSPOSED_FACTOR;
        let can_transpose = straight_value < best_transposed_value
            && !candidate.forenames.trim().is_empty()
            && !self.names.forenames.is_empty();
        let transposed = if can_transpose {
            compare_names(&self.names, &PreparedName::new(&candidate.forenames, &candidate.surname))
        } else {
            None
        };
        let transposed_value = transposed.as_ref().map_or(0.0, |names| names.weighted() * TRANSPOSED_FACTOR);
        let (names, is_transposed) = match (straight, transposed) {
            (Some(names), _) if straight_value >= transposed_value => (names, false),
            (_, Some(names)) => (names, true),
            (Some(names), None) => (names, false),
            (None, None) => return None,
        };
        Some(self.combine(names, is_transposed, candidate))
    }

    fn combine(&self, names: NameAgreement, is_transposed: bool, candidate: &PersonRecord) -> PersonMatch {
        let mut evidence = names.evidence;
        let mut weighted = SURNAME_WEIGHT * names.surname;
        let mut total_weight = SURNAME_WEIGHT;
        let mut factor = 1.0;
        if let Some(forenames) = names.forenames {
            weighted += FORENAME_WEIGHT * forenames;
            total_weight += FORENAME_WEIGHT;
        }
        if let Some(dob) = &self.query.dob {
            let outcome = compare_dob(dob, candidate.dob);
            weighted += outcome.weight * outcome.agreement;
            total_weight += outcome.weight;
            if outcome.conflict {
                factor *= DOB_CONFLICT_FACTOR;
            }
            evidence.push(outcome.evidence);
        }
        if let (Some(asked), Some(recorded)) = (self.query.gender, candidate.gender)
            && asked != recorded
        {
            factor *= GENDER_CONFLICT_FACTOR;
            evidence.push(Evidence::GenderConflict);
        }
        if is_transposed {
            factor *= TRANSPOSED_FACTOR;
            evidence.push(Evidence::NamesTransposed);
        }
        PersonMatch { score: (weighted / total_weight * factor).clamp(0.0, 1.0), evidence }
    }
}

/// Compares the names of one orientation, or `None` when the surnames do not match.
fn compare_names(query: &PreparedName, candidate: &PreparedName) -> Option<NameAgreement> {
    let asks_forenames = !query.forenames.is_empty();
    let split_differs = !query.all_words.is_empty()
        && query.all_words == candidate.all_words
        && query.surname.whole.text != candidate.surname.whole.text;
    if split_differs {
        return Some(NameAgreement {
            surname: NAME_SPLIT_SIMILARITY,
            forenames: asks_forenames.then_some(NAME_SPLIT_SIMILARITY),
            evidence: vec![Evidence::NameSplitDiffers],
        });
    }
    let surname = compare_surnames(&query.surname, &candidate.surname)?;
    let mut evidence = surname.evidence;
    let forenames = if !asks_forenames {
        None
    } else if candidate.forenames.is_empty() {
        evidence.push(Evidence::ForenamesMissing);
        Some(MISSING_FORENAMES_AGREEMENT)
    } else {
        let Comparison { similarity, evidence: forename_evidence } =
            compare_forenames(&query.forenames, &candidate.forenames);
        evidence.extend(forename_evidence);
        Some(similarity)
    };
    Some(NameAgreement { surname: surname.similarity, forenames, evidence })
}

/// Scores one candidate against a search; see [`PersonMatcher::score`]. To score many
/// candidates, build a [`PersonMatcher`] once or use [`super::rank`].
pub fn score_person(query: &PersonQuery, candidate: &PersonRecord) -> Option<PersonMatch> {
    PersonMatcher::new(query).score(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matcher_can_be_shared_between_threads() {
        fn assert_shareable<T: Send + Sync>() {}
        assert_shareable::<PersonMatcher>();
    }
}
