//! Double Metaphone codes of a normalised name word (`smith` gives `SM0` and `XMT`), and whether
//! two words share one: the phonetic half of fuzzy name matching and the keys names are indexed by.

use rphonetic::DoubleMetaphone;

/// Longest code kept: the algorithm's customary four, enough to separate most surnames while
/// tolerating differences in their endings.
pub const PHONETIC_CODE_LENGTH: usize = 4;

/// The primary and alternate Double Metaphone codes of a word (equal when the word has one
/// reading; empty for a word with no letters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PhoneticCodes {
    pub primary: String,
    pub alternate: String,
}

impl PhoneticCodes {
    /// A code both words have, if any.
    pub fn shared_with(&self, other: &PhoneticCodes) -> Option<&str> {
        [&self.primary, &self.alternate]
            .into_iter()
            .find(|code| !code.is_empty() && (**code == other.primary || **code == other.alternate))
            .map(String::as_str)
    }

    /// The distinct non-empty codes.
    pub fn distinct(&self) -> impl Iterator<Item = &str> {
        let alternate = (self.alternate != self.primary).then_some(self.alternate.as_str());
        std::iter::once(self.primary.as_str()).chain(alternate).filter(|code| !code.is_empty())
    }
}

/// The codes of a word of ASCII letters (callers fold names to ASCII first: the encoder indexes
/// its input by bytes).
pub(crate) fn codes_of(word: &str) -> PhoneticCodes {
    if !word.bytes().all(|byte| byte.is_ascii_alphabetic()) || word.is_empty() {
        return PhoneticCodes { primary: String::new(), alternate: String::new() };
    }
    let result = DoubleMetaphone::new(Some(PHONETIC_CODE_LENGTH)).double_metaphone(word);
    PhoneticCodes { primary: result.primary(), alternate: result.alternate() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_spellings_share_a_code_and_different_names_do_not() {
        assert!(codes_of("smith").shared_with(&codes_of("smyth")).is_some());
        assert!(codes_of("smith").shared_with(&codes_of("schmidt")).is_some());
        assert!(codes_of("hussain").shared_with(&codes_of("hussein")).is_some());
        assert!(codes_of("brown").shared_with(&codes_of("taylor")).is_none());
        assert_eq!(codes_of("").distinct().count(), 0);
    }
}
