//! Vehicle registration marks: normalised as the common data model stores them (upper case, no
//! spaces or hyphens), checked against the UK schemes, and widened on request to the readings a
//! camera or a witness commonly confuses with them, each flagged as an alternative.

mod confusion;
mod format;

use std::fmt;
use std::str::FromStr;

pub use confusion::{CONFUSABLE_PAIRS, MAX_ALTERNATIVES, MAX_SUBSTITUTIONS, Substitution, VrmAlternative};
pub use format::VrmFormat;

/// Fewest characters in a mark (`A 1`).
pub const MIN_VRM_CHARS: usize = 2;
/// Most characters in a mark, spaces aside (`AB12 CDE`).
pub const MAX_VRM_CHARS: usize = 7;
/// Characters written inside marks that carry no meaning.
const VRM_SEPARATORS: &[char] = &[' ', '-', '\t', '\u{a0}'];

/// A valid, normalised registration mark, e.g. `AB12CDE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vrm {
    /// Upper-case letters and digits only.
    mark: String,
    /// The scheme it belongs to.
    format: VrmFormat,
}

/// Why a string is not a registration mark.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VrmError {
    /// Nothing but spaces.
    #[error("the registration mark is empty")]
    Empty,
    /// A character other than a letter, a digit, a space or a hyphen.
    #[error("a registration mark cannot contain '{character}'")]
    InvalidCharacter {
        /// The offending character.
        character: char,
    },
    /// Fewer than [`MIN_VRM_CHARS`] or more than [`MAX_VRM_CHARS`] letters and digits.
    #[error("a registration mark has {min} to {max} letters and digits, not {characters}", min = MIN_VRM_CHARS, max = MAX_VRM_CHARS)]
    WrongLength {
        /// Letters and digits given.
        characters: usize,
    },
    /// The right characters in an arrangement no UK scheme issues.
    #[error("{mark} is not a possible UK registration mark")]
    Impossible {
        /// The mark as normalised.
        mark: String,
        /// Possible marks it may be a misreading of (flagged, never substituted).
        readings: Vec<VrmAlternative>,
    },
}

impl Vrm {
    /// Normalises and validates a mark; see [`normalise`].
    pub fn parse(raw: &str) -> Result<Self, VrmError> {
        normalise(raw)
    }

    /// The normalised mark, e.g. `AB12CDE`.
    pub fn as_str(&self) -> &str {
        &self.mark
    }

    /// The scheme the mark belongs to.
    pub fn format(&self) -> VrmFormat {
        self.format
    }

    /// Other possible marks this one is commonly misread for, fewest changes first.
    pub fn alternatives(&self) -> Vec<VrmAlternative> {
        confusion::alternatives_of(&self.mark)
    }
}

impl fmt::Display for Vrm {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.mark)
    }
}

impl FromStr for Vrm {
    type Err = VrmError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        normalise(raw)
    }
}

/// What to search for given a mark: the mark as given, and flagged alternative readings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrmSearch {
    /// The mark as given, normalised.
    pub primary: Vrm,
    /// Possible misreadings of it, each flagged with what was changed.
    pub alternatives: Vec<VrmAlternative>,
}

/// Normalises a mark (upper case; spaces and hyphens removed) and checks it is possible.
///
/// `ab12 cde`, `AB12-CDE` and ` AB12CDE ` all give `AB12CDE`. An impossible mark is refused
/// with [`VrmError::Impossible`], which lists any possible marks it may be a misreading of.
pub fn normalise(raw: &str) -> Result<Vrm, VrmError> {
    let mark = compact(raw)?;
    match format::detect(&mark) {
        Some(format) => Ok(Vrm { mark, format }),
        None => {
            let readings = confusion::alternatives_of(&mark);
            Err(VrmError::Impossible { mark, readings })
        }
    }
}

/// Normalises a mark and adds the alternative readings worth searching for too.
pub fn search_marks(raw: &str) -> Result<VrmSearch, VrmError> {
    let primary = normalise(raw)?;
    let alternatives = primary.alternatives();
    Ok(VrmSearch { primary, alternatives })
}

/// Upper-cases and strips separators, refusing other characters and impossible lengths.
fn compact(raw: &str) -> Result<String, VrmError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(VrmError::Empty);
    }
    let mut mark = String::with_capacity(MAX_VRM_CHARS);
    for character in trimmed.chars() {
        if character.is_ascii_alphanumeric() {
            mark.push(character.to_ascii_uppercase());
        } else if !VRM_SEPARATORS.contains(&character) {
            return Err(VrmError::InvalidCharacter { character });
        }
    }
    if !(MIN_VRM_CHARS..=MAX_VRM_CHARS).contains(&mark.len()) {
        return Err(VrmError::WrongLength { characters: mark.len() });
    }
    Ok(mark)
}
