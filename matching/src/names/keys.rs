//! Index keys for person names: the normalised (ASCII-folded, lower-case) forms and Double
//! Metaphone codes under which a record is stored, and the wider set a search looks up, so that
//! a region can fetch a small set of candidates to score instead of every person it holds.
//!
//! A record is indexed under the codes of its surname and of each part of a double-barrelled
//! surname. A search looks up the codes of its surname, its surname's parts, the surname
//! spellings the tables know, and its forenames (for records with the names swapped). Every
//! exact, variant, phonetic, part, transposed and split-name match shares a key; a match on
//! spelling alone (`SurnameSimilar`, a slip that changes how the name sounds) may not.

use std::collections::BTreeSet;

use super::equivalents::surname_spellings;
use super::normalise::{PreparedName, PreparedSurname};
use super::phonetic::codes_of;
use super::similarity::is_matchable_part;

/// The normalised forms and phonetic keys of one person's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKeys {
    /// The whole surname folded, without spaces or punctuation: `obrien`, `smithjones`,
    /// `mcdonald` (for `MacDonald` too).
    pub surname: String,
    /// The words of the surname: `[smith, jones]` for `Smith-Jones`.
    pub surname_parts: Vec<String>,
    /// The forenames folded, given name first.
    pub forenames: Vec<String>,
    /// Distinct Double Metaphone codes (primary and alternate) of the whole surname and of each
    /// of its parts, sorted.
    pub surname_codes: Vec<String>,
    /// Distinct Double Metaphone codes of every forename, sorted.
    pub forename_codes: Vec<String>,
}

impl NameKeys {
    /// The keys of a recorded or searched-for name.
    pub fn new(surname: &str, forenames: &str) -> Self {
        let prepared = PreparedName::new(surname, forenames);
        let surname_codes = surname_codes(&prepared.surname);
        let forename_codes: BTreeSet<String> = prepared
            .forenames
            .iter()
            .flat_map(|token| token.codes().distinct().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        Self {
            surname: prepared.surname.whole.text.clone(),
            surname_parts: prepared.surname.parts.iter().map(|token| token.text.clone()).collect(),
            forenames: prepared.forenames.iter().map(|token| token.text.clone()).collect(),
            surname_codes: surname_codes.into_iter().collect(),
            forename_codes: forename_codes.into_iter().collect(),
        }
    }

    /// The keys to store a record under.
    pub fn index_keys(&self) -> BTreeSet<String> {
        self.surname_codes.iter().cloned().collect()
    }

    /// The keys a search for this name looks up: its surname codes, those of known variant
    /// spellings of the surname, and its forename codes (for records with names swapped). A
    /// name split elsewhere (`Abdul | Rahman Miah`) is covered because every word of the
    /// surname and forenames is looked up.
    pub fn lookup_keys(&self) -> BTreeSet<String> {
        let mut keys = self.index_keys();
        keys.extend(self.forename_codes.iter().cloned());
        let words = std::iter::once(&self.surname).chain(&self.surname_parts);
        for word in words {
            for spelling in surname_spellings(word) {
                keys.extend(codes_of(spelling).distinct().map(str::to_owned));
            }
        }
        keys
    }
}

/// Distinct codes of the whole surname and of each part that can match on its own.
fn surname_codes(surname: &PreparedSurname) -> BTreeSet<String> {
    std::iter::once(&surname.whole)
        .chain(surname.parts.iter().filter(|part| is_matchable_part(part)))
        .flat_map(|token| token.codes().distinct().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_indexed_by_surname_sound_and_searches_reach_swapped_names() {
        let record = NameKeys::new("Ahmed", "Hussain");
        let search = NameKeys::new("Hussain", "Ahmed");
        assert!(!record.index_keys().is_disjoint(&search.lookup_keys()));
        assert!(NameKeys::new("Smith", "John").index_keys().is_disjoint(&NameKeys::new("Jones", "John").lookup_keys()));
        assert_eq!(NameKeys::new("MacDonald", "Chloe").surname, "mcdonald");
        assert_eq!(NameKeys::new("Davies-Brown", "Sarah").surname_parts, ["davies", "brown"]);
        let brown = NameKeys::new("Brown", "Sarah").index_keys();
        assert!(!NameKeys::new("Davies-Brown", "Sarah").lookup_keys().is_disjoint(&brown));
        assert!(
            NameKeys::new("O Connor", "Sean").index_keys().is_disjoint(&NameKeys::new("O Brien", "Sean").index_keys())
        );
    }
}
