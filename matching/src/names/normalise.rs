//! Turns a recorded name into comparable tokens: ASCII-folded (`Zoë` to `zoe`, `Wiśniewski` to
//! `wisniewski`), lower case, apostrophes dropped (`O'Brien` to `obrien`), split at spaces,
//! hyphens and other punctuation, and for surnames `Mac` written as `Mc` (`MacDonald` and
//! `McDonald` agree), each token with its Double Metaphone codes.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::phonetic::{PhoneticCodes, codes_of};

/// Marks inside a name that join its halves rather than separate words (`O'Brien`, `D’Arcy`).
const JOINING_MARKS: &[char] = &['\'', '`', '\u{2019}', '\u{2018}', '\u{b4}'];
/// The Scottish and Irish patronymic prefix as written in full.
const MAC_PREFIX: &str = "mac";
/// The same prefix as abbreviated, which surnames are compared under.
const MC_PREFIX: &str = "mc";
/// Letters that must follow `mac` for it to be read as the prefix: `Macdonald`, `Mackay`, but
/// not `Mace` or `Mack`.
const MIN_LETTERS_AFTER_MAC: usize = 3;

/// One word of a name, normalised, with its phonetic codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// ASCII lower-case letters only.
    pub text: String,
    /// Double Metaphone codes of `text`, computed on first use: most candidates of a search
    /// are ruled out by cheaper tests first.
    codes: OnceLock<PhoneticCodes>,
}

impl Token {
    fn new(text: String) -> Self {
        Self { text, codes: OnceLock::new() }
    }

    /// The Double Metaphone codes of the word.
    pub fn codes(&self) -> &PhoneticCodes {
        self.codes.get_or_init(|| codes_of(&self.text))
    }
}

/// ASCII-folded, lower-case words of a name, with apostrophes removed and every other
/// non-letter treated as a word break.
pub(crate) fn fold_words(raw: &str) -> Vec<String> {
    let ascii: Cow<'_, str> = if raw.is_ascii() { Cow::Borrowed(raw) } else { Cow::Owned(deunicode::deunicode(raw)) };
    let mut words = Vec::new();
    let mut current = String::new();
    for character in ascii.chars() {
        if character.is_ascii_alphabetic() {
            current.push(character.to_ascii_lowercase());
        } else if JOINING_MARKS.contains(&character) {
            continue;
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A surname word with a leading `mac` written as `mc`.
fn surname_word(word: String) -> String {
    match word.strip_prefix(MAC_PREFIX) {
        Some(rest) if rest.len() >= MIN_LETTERS_AFTER_MAC => format!("{MC_PREFIX}{rest}"),
        _ => word,
    }
}

/// A surname ready for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreparedSurname {
    /// All words run together: `Smith-Jones` and `Smith Jones` both give `smithjones`.
    pub whole: Token,
    /// The words of a double-barrelled or multi-word surname; one entry for a simple surname.
    pub parts: Vec<Token>,
}

impl PreparedSurname {
    pub fn new(raw: &str) -> Self {
        let words: Vec<String> = fold_words(raw).into_iter().map(surname_word).collect();
        let whole = Token::new(words.concat());
        let parts = words.into_iter().map(Token::new).collect();
        Self { whole, parts }
    }
}

/// A person's names ready for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreparedName {
    pub surname: PreparedSurname,
    /// Forenames in order; the first is the given name, the rest middle names.
    pub forenames: Vec<Token>,
    /// Every word of forenames then surname, without the `mac` rewrite, to notice names whose
    /// boundary between forenames and surname was drawn differently (`Abdul Rahman | Miah` and
    /// `Abdul | Rahman Miah`).
    pub all_words: Vec<String>,
}

impl PreparedName {
    pub fn new(surname: &str, forenames: &str) -> Self {
        let forename_words = fold_words(forenames);
        let mut all_words = forename_words.clone();
        all_words.extend(fold_words(surname));
        Self {
            surname: PreparedSurname::new(surname),
            forenames: forename_words.into_iter().map(Token::new).collect(),
            all_words,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_accents_and_case_fold_away() {
        assert_eq!(fold_words("O'Brien"), ["obrien"]);
        assert_eq!(fold_words("D\u{2019}Arcy"), ["darcy"]);
        assert_eq!(fold_words("ZOË"), ["zoe"]);
        assert_eq!(fold_words("Wiśniewski"), ["wisniewski"]);
        assert_eq!(fold_words("Nguyễn"), ["nguyen"]);
        assert_eq!(fold_words("  Abdul   Rahman "), ["abdul", "rahman"]);
        assert_eq!(fold_words("Smith-Jones"), ["smith", "jones"]);
        assert_eq!(fold_words("J.R."), ["j", "r"]);
    }

    #[test]
    fn mac_is_compared_as_mc_only_when_it_is_a_prefix() {
        assert_eq!(PreparedSurname::new("MacDonald").whole.text, "mcdonald");
        assert_eq!(PreparedSurname::new("Mack").whole.text, "mack");
        assert_eq!(PreparedSurname::new("Smith Jones").whole.text, "smithjones");
        assert_eq!(PreparedSurname::new("Smith Jones").parts.len(), 2);
    }
}
