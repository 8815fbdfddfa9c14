//! How alike two surnames, or two sets of forenames, are: a similarity in 0..=1 with the evidence
//! for it, from exact agreement through the equivalence tables, shared Double Metaphone codes and
//! close spelling (Jaro-Winkler gated by edit distance), down to no match.

use strsim::{jaro_winkler, osa_distance};

use super::equivalents::{Equivalence, Relation, forename_relation, surname_relation};
use super::evidence::Evidence;
use super::normalise::{PreparedSurname, Token};

/// Similarity of two full forms of one name (`Catherine`/`Kathryn`, `Chowdhury`/`Chaudhry`).
pub const VARIANT_SIMILARITY: f64 = 0.95;
/// Similarity of a nickname and the name (`Bill`/`William`).
pub const NICKNAME_SIMILARITY: f64 = 0.90;
/// Similarity of surnames that sound and look alike (`Smith`/`Smyth`, `Thompson`/`Thomson`).
pub const SURNAME_PHONETIC_SIMILARITY: f64 = 0.90;
/// Similarity of forenames that sound and look alike (`Jayden`/`Jaydon`). Lower than for
/// surnames: forenames are shorter, so more different names share a code.
pub const FORENAME_PHONETIC_SIMILARITY: f64 = 0.85;
/// Factor applied to the Jaro-Winkler similarity of names spelt alike that do not sound alike.
pub const SIMILAR_SPELLING_FACTOR: f64 = 0.90;
/// Fewest Jaro-Winkler similarity for a shared phonetic code to count: sharing a code alone
/// also pairs `John` with `Jane`.
pub const PHONETIC_MIN_JARO_WINKLER: f64 = 0.80;
/// Fewest Jaro-Winkler similarity for a close spelling to count.
pub const SIMILAR_MIN_JARO_WINKLER: f64 = 0.88;
/// Fewest edit similarity (1 - edit distance / longer length, where swapping two neighbouring
/// letters is one edit: optimal string alignment), at most one edit
/// in five letters, for a shared code or a close spelling to count. Jaro-Winkler alone rates
/// `Brown`/`Browning` 0.93 because it rewards shared prefixes, and Double Metaphone ignores
/// vowels, so `Hall`/`Hill` and `Bell`/`Ball` share a code; both pairs are one edit in four.
pub const MIN_EDIT_SIMILARITY: f64 = 0.80;
/// Letters that, added to the end of a name, make a different name rather than a variant
/// (`Brown`/`Browning`, `Roberts`/`Robertson`); one added letter (`Clark`/`Clarke`) does not.
pub const DISTINCT_SUFFIX_LETTERS: usize = 2;
/// The ending that makes a feminine form of a name (`Paul`/`Paula`, `Robert`/`Roberta`).
const FEMININE_ENDING: &str = "a";
/// Factor for a match on only one part of a double-barrelled surname (`Smith-Jones`/`Jones`).
pub const SURNAME_PART_FACTOR: f64 = 0.85;
/// Fewest letters in a surname part matched on its own: `O Brien` and `O Connor` share no name.
pub const MIN_SURNAME_PART_LETTERS: usize = 3;
/// Particles of multi-word surnames that say nothing on their own (`van der Berg`, `bin Laden`).
const SURNAME_PARTICLES: &[&str] = &["van", "von", "der", "den", "del", "della", "les", "abu", "bin", "ibn"];
/// Similarity when the first forename on one side is a middle name on the other.
pub const MIDDLE_NAME_SIMILARITY: f64 = 0.80;
/// Similarity when one side gave only an initial and it agrees.
pub const INITIAL_SIMILARITY: f64 = 0.60;

/// How two words matched.
#[derive(Debug, Clone, PartialEq)]
enum WordMatch {
    Exact,
    Variant,
    Nickname,
    Phonetic(String),
    Similar(f64),
}

/// Whether a word is a surname or a forename: the tables and the phonetic similarity differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Surname,
    Forename,
}

/// A similarity with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    pub similarity: f64,
    pub evidence: Vec<Evidence>,
}

/// True when the longer word is the shorter plus an ending that makes another name.
fn is_distinct_extension(left: &str, right: &str) -> bool {
    let (shorter, longer) = if left.len() <= right.len() { (left, right) } else { (right, left) };
    match longer.strip_prefix(shorter) {
        Some(ending) => ending.len() >= DISTINCT_SUFFIX_LETTERS || ending == FEMININE_ENDING,
        None => false,
    }
}

/// 1 - edit distance / longer length, for ASCII words (1 for two empty words).
fn edit_similarity(left: &str, right: &str) -> f64 {
    let longer = left.len().max(right.len());
    if longer == 0 {
        return 1.0;
    }
    1.0 - osa_distance(left, right) as f64 / longer as f64
}

/// True when the words differ only by two neighbouring letters swapped (`Jonh`/`John`): a typing
/// slip, allowed even in a name too short for [`MIN_EDIT_SIMILARITY`].
fn is_adjacent_swap(left: &str, right: &str) -> bool {
    let (left_bytes, right_bytes) = (left.as_bytes(), right.as_bytes());
    if left_bytes.len() != right_bytes.len() {
        return false;
    }
    let differing: Vec<usize> =
        (0..left_bytes.len()).filter(|index| left_bytes[*index] != right_bytes[*index]).collect();
    match differing.as_slice() {
        [first, second] => {
            *second == first + 1
                && left_bytes[*first] == right_bytes[*second]
                && left_bytes[*second] == right_bytes[*first]
        }
        _ => false,
    }
}

/// How two normalised words match, if they do, and how well.
fn compare_words(left: &Token, right: &Token, role: Role) -> Option<(f64, WordMatch)> {
    if left.text.is_empty() || right.text.is_empty() {
        return None;
    }
    if left.text == right.text {
        return Some((1.0, WordMatch::Exact));
    }
    let relation = match role {
        Role::Surname => surname_relation(&left.text, &right.text),
        Role::Forename => forename_relation(&left.text, &right.text),
    };
    match relation {
        Relation::Equivalent(Equivalence::Variant) => return Some((VARIANT_SIMILARITY, WordMatch::Variant)),
        Relation::Equivalent(Equivalence::Nickname) => return Some((NICKNAME_SIMILARITY, WordMatch::Nickname)),
        // The tables know both names and do not relate them (`Louis`/`Louise`,
        // `Alexander`/`Alexandra`): however alike they look, they are different names.
        Relation::KnownDistinct => return None,
        Relation::Unknown => {}
    }
    if is_distinct_extension(&left.text, &right.text) {
        return None;
    }
    let edit = edit_similarity(&left.text, &right.text);
    if edit < MIN_EDIT_SIMILARITY && !is_adjacent_swap(&left.text, &right.text) {
        return None;
    }
    let jaro = jaro_winkler(&left.text, &right.text);
    if let Some(code) = left.codes().shared_with(right.codes())
        && jaro >= PHONETIC_MIN_JARO_WINKLER
    {
        let similarity = match role {
            Role::Surname => SURNAME_PHONETIC_SIMILARITY,
            Role::Forename => FORENAME_PHONETIC_SIMILARITY,
        };
        return Some((similarity, WordMatch::Phonetic(code.to_owned())));
    }
    if jaro >= SIMILAR_MIN_JARO_WINKLER {
        return Some((SIMILAR_SPELLING_FACTOR * jaro, WordMatch::Similar(jaro)));
    }
    None
}

fn surname_evidence(word_match: WordMatch) -> Evidence {
    match word_match {
        WordMatch::Exact => Evidence::SurnameExact,
        WordMatch::Variant | WordMatch::Nickname => Evidence::SurnameVariant,
        WordMatch::Phonetic(code) => Evidence::SurnamePhonetic { code },
        WordMatch::Similar(jaro_winkler) => Evidence::SurnameSimilar { jaro_winkler },
    }
}

fn forename_evidence(word_match: WordMatch) -> Evidence {
    match word_match {
        WordMatch::Exact => Evidence::ForenameExact,
        WordMatch::Variant => Evidence::ForenameVariant,
        WordMatch::Nickname => Evidence::ForenameNickname,
        WordMatch::Phonetic(code) => Evidence::ForenamePhonetic { code },
        WordMatch::Similar(jaro_winkler) => Evidence::ForenameSimilar { jaro_winkler },
    }
}

/// True for a surname part that can match on its own.
pub(crate) fn is_matchable_part(part: &Token) -> bool {
    part.text.len() >= MIN_SURNAME_PART_LETTERS && !SURNAME_PARTICLES.contains(&part.text.as_str())
}

/// How alike two surnames are, or `None` when they do not match at all.
///
/// The whole surnames are compared first (`Smith-Jones` equals `Smith Jones`); when either is
/// double-barrelled or has several words, each part is compared too, at [`SURNAME_PART_FACTOR`].
pub(crate) fn compare_surnames<'a>(query: &'a PreparedSurname, candidate: &'a PreparedSurname) -> Option<Comparison> {
    let whole = compare_words(&query.whole, &candidate.whole, Role::Surname)
        .map(|(similarity, word_match)| Comparison { similarity, evidence: vec![surname_evidence(word_match)] });
    if query.parts.len() < 2 && candidate.parts.len() < 2 {
        return whole;
    }
    // Index 0 is the whole surname, compared above; the rest are the parts worth matching.
    let words = |surname: &'a PreparedSurname| -> Vec<&'a Token> {
        std::iter::once(&surname.whole).chain(surname.parts.iter().filter(|part| is_matchable_part(part))).collect()
    };
    let (query_words, candidate_words) = (words(query), words(candidate));
    let mut best = whole;
    for (query_index, query_word) in query_words.iter().enumerate() {
        for (candidate_index, candidate_word) in candidate_words.iter().enumerate() {
            if query_index == 0 && candidate_index == 0 {
                continue;
            }
            let Some((similarity, word_match)) = compare_words(query_word, candidate_word, Role::Surname) else {
                continue;
            };
            let part_similarity = similarity * SURNAME_PART_FACTOR;
            if best.as_ref().is_none_or(|current| part_similarity > current.similarity) {
                let part = if query_word.text.len() < candidate_word.text.len() { query_word } else { candidate_word };
                best = Some(Comparison {
                    similarity: part_similarity,
                    evidence: vec![
                        Evidence::HyphenatedSurnamePart { part: part.text.clone() },
                        surname_evidence(word_match),
                    ],
                });
            }
        }
    }
    best
}

/// How alike two first forenames are, allowing an initial on either side.
fn compare_first_forenames(query: &Token, candidate: &Token) -> Option<Comparison> {
    let initial_only = query.text.len() == 1 || candidate.text.len() == 1;
    if initial_only && query.text != candidate.text {
        let agrees = query.text.chars().next() == candidate.text.chars().next();
        return agrees
            .then(|| Comparison { similarity: INITIAL_SIMILARITY, evidence: vec![Evidence::ForenameInitial] });
    }
    compare_words(query, candidate, Role::Forename)
        .map(|(similarity, word_match)| Comparison { similarity, evidence: vec![forename_evidence(word_match)] })
}

/// A first forename on one side matching a middle name on the other (`Rahman` for `Abdul Rahman`).
fn compare_with_middle_names(first: &Token, others: &[Token]) -> Option<Comparison> {
    others.iter().find_map(|middle| {
        compare_words(first, middle, Role::Forename).map(|(similarity, _)| Comparison {
            similarity: similarity.min(MIDDLE_NAME_SIMILARITY),
            evidence: vec![Evidence::ForenameMatchesMiddleName { name: middle.text.clone() }],
        })
    })
}

/// How alike two lists of forenames are. The first forenames decide; a first forename found
/// among the other side's middle names counts for less; a missing middle name costs nothing.
/// Returns similarity 0 with [`Evidence::ForenameMismatch`] when nothing agrees.
pub(crate) fn compare_forenames(query: &[Token], candidate: &[Token]) -> Comparison {
    let (Some(query_first), Some(candidate_first)) = (query.first(), candidate.first()) else {
        return Comparison { similarity: 0.0, evidence: vec![Evidence::ForenameMismatch] };
    };
    let first = compare_first_forenames(query_first, candidate_first);
    let middle = || {
        let query_in_candidate = compare_with_middle_names(query_first, &candidate[1..]);
        query_in_candidate.or_else(|| compare_with_middle_names(candidate_first, &query[1..]))
    };
    let best = match first {
        Some(found) if found.similarity >= MIDDLE_NAME_SIMILARITY => Some(found),
        Some(found) => Some(middle().filter(|other| other.similarity > found.similarity).unwrap_or(found)),
        None => middle(),
    };
    best.unwrap_or(Comparison { similarity: 0.0, evidence: vec![Evidence::ForenameMismatch] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::normalise::PreparedName;

    fn surnames(left: &str, right: &str) -> Option<f64> {
        compare_surnames(&PreparedName::new(left, "").surname, &PreparedName::new(right, "").surname)
            .map(|comparison| comparison.similarity)
    }

    fn forenames(left: &str, right: &str) -> f64 {
        compare_forenames(&PreparedName::new("", left).forenames, &PreparedName::new("", right).forenames).similarity
    }

    #[test]
    fn extensions_that_make_another_name_do_not_match() {
        assert_eq!(surnames("Brown", "Browning"), None);
        assert_eq!(surnames("Smith", "Smithers"), None);
        assert_eq!(forenames("Paul", "Paula"), 0.0);
        assert!(surnames("Clark", "Clarke").is_some_and(|similarity| similarity >= 0.9));
        assert!(surnames("Green", "Greene").is_some_and(|similarity| similarity >= 0.9));
    }

    #[test]
    fn one_slip_in_a_short_name_matches_only_when_it_is_a_swap() {
        assert!(forenames("Jonh", "John") >= FORENAME_PHONETIC_SIMILARITY);
        assert_eq!(surnames("Hall", "Hill"), None);
        assert_eq!(surnames("Bell", "Ball"), None);
        assert!(surnames("Jonse", "Jones").is_some());
    }

    #[test]
    fn a_double_barrelled_part_matches_for_less_than_the_whole() {
        let part = surnames("Smith-Jones", "Jones").unwrap_or_default();
        assert!((part - SURNAME_PART_FACTOR).abs() < 1e-9, "{part}");
        assert_eq!(surnames("Smith-Jones", "Smith Jones"), Some(1.0));
        assert_eq!(surnames("O Brien", "O Connor"), None, "a one-letter part is not a name");
        assert_eq!(surnames("van der Berg", "van Dijk"), None, "particles are not names");
    }

    #[test]
    fn initials_and_middle_names_count_for_less_than_the_first_name() {
        assert_eq!(forenames("J", "John"), INITIAL_SIMILARITY);
        assert_eq!(forenames("J", "Kevin"), 0.0);
        assert_eq!(forenames("Rahman", "Abdul Rahman"), MIDDLE_NAME_SIMILARITY);
        assert_eq!(forenames("John", "John Paul"), 1.0);
    }
}
