//! UK postcodes: normalised as the common data model stores them (upper case, one space before
//! the three-character inward code: `m1 1ae` becomes `M1 1AE`, `SW1A1AA` becomes `SW1A 1AA`),
//! checked against Royal Mail's format rules and the list of postcode areas, with the outward code
//! (the district, e.g. `SW1A`) available for district-level search.

use std::fmt;
use std::str::FromStr;

/// Characters of the inward code (`1AE`): a sector digit and two unit letters.
const INWARD_CHARS: usize = 3;
/// Fewest characters in a postcode, spaces aside (`M11AE`).
pub const MIN_POSTCODE_CHARS: usize = 5;
/// Most characters in a postcode, spaces aside (`SW1A1AA`).
pub const MAX_POSTCODE_CHARS: usize = 7;
/// Letters Royal Mail uses in the unit (last two characters): never C, I, K, M, O or V.
const UNIT_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
/// Letters never used first in a postcode.
const EXCLUDED_FIRST_LETTERS: &[u8] = b"QVX";
/// Letters never used second in a two-letter area.
const EXCLUDED_SECOND_LETTERS: &[u8] = b"IJZ";
/// Letters allowed after the digit of an `A9A` district (`W1A`, `E1W`).
const THIRD_POSITION_LETTERS: &[u8] = b"ABCDEFGHJKPSTUW";
/// Letters allowed after the digit of an `AA9A` district (`SW1A`, `EC1V`).
const FOURTH_POSITION_LETTERS: &[u8] = b"ABEHMNPRVWXY";
/// The one postcode outside the rules, kept for historical reasons (Girobank, Bootle).
const GIROBANK: &str = "GIR0AA";
/// Every postcode area of the UK, plus Guernsey, Jersey and the Isle of Man.
const POSTCODE_AREAS: &[&str] = &[
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH", "CM", "CO", "CR",
    "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY",
    "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT",
    "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP",
    "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL",
    "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W",
    "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
];

/// A valid, normalised UK postcode, e.g. `SW1A 1AA`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode {
    /// Outward code, one space, inward code.
    text: String,
}

/// Why a string is not a UK postcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostcodeError {
    /// Nothing but spaces.
    #[error("the postcode is empty")]
    Empty,
    /// A character other than a letter, a digit or a space.
    #[error("a postcode cannot contain '{character}'")]
    InvalidCharacter {
        /// The offending character.
        character: char,
    },
    /// Too few or too many letters and digits.
    #[error("a postcode has {min} to {max} letters and digits, not {characters}", min = MIN_POSTCODE_CHARS, max = MAX_POSTCODE_CHARS)]
    WrongLength {
        /// Letters and digits given.
        characters: usize,
    },
    /// The last three characters are not a digit and two unit letters.
    #[error("{inward} is not an inward code (a digit then two letters, none of C, I, K, M, O, V)")]
    InvalidInward {
        /// The last three characters given.
        inward: String,
    },
    /// The part before the inward code is not shaped like a district (`M1`, `B33`, `SW1A` ...).
    #[error("{outward} is not an outward code")]
    InvalidOutward {
        /// The characters before the inward code.
        outward: String,
    },
    /// A well-shaped outward code in a postcode area that does not exist.
    #[error("there is no postcode area {area}")]
    UnknownArea {
        /// The leading letters.
        area: String,
    },
}

impl Postcode {
    /// Normalises and validates a postcode; see [`normalise`].
    pub fn parse(raw: &str) -> Result<Self, PostcodeError> {
        normalise(raw)
    }

    /// The normalised postcode, e.g. `SW1A 1AA`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The outward code, naming the postal district, e.g. `SW1A` or `M1`.
    pub fn outward(&self) -> &str {
        self.text.split_once(' ').map_or(self.text.as_str(), |(outward, _)| outward)
    }

    /// The inward code, e.g. `1AA`.
    pub fn inward(&self) -> &str {
        self.text.split_once(' ').map_or("", |(_, inward)| inward)
    }

    /// The postcode area: the leading letters, e.g. `SW` or `M`.
    pub fn area(&self) -> &str {
        let outward = self.outward();
        let letters = outward.bytes().take_while(u8::is_ascii_alphabetic).count();
        outward.get(..letters).unwrap_or(outward)
    }

    /// The sector: the outward code and the inward digit, e.g. `SW1A 1`.
    pub fn sector(&self) -> &str {
        let end = self.text.len().saturating_sub(INWARD_CHARS - 1);
        self.text.get(..end).unwrap_or(&self.text)
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl FromStr for Postcode {
    type Err = PostcodeError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        normalise(raw)
    }
}

/// Normalises a postcode (upper case, spaces removed, one space put before the inward code) and
/// checks it: `m1 1ae` gives `M1 1AE`, `SW1A1AA` gives `SW1A 1AA`.
pub fn normalise(raw: &str) -> Result<Postcode, PostcodeError> {
    let compacted = compact(raw)?;
    let (outward, inward) = compacted.split_at(compacted.len() - INWARD_CHARS);
    if compacted != GIROBANK {
        check_inward(inward)?;
        check_outward(outward)?;
    }
    Ok(Postcode { text: format!("{outward} {inward}") })
}

/// Upper-cases and strips spaces, refusing other characters and impossible lengths.
fn compact(raw: &str) -> Result<String, PostcodeError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(PostcodeError::Empty);
    }
    let mut compacted = String::with_capacity(MAX_POSTCODE_CHARS);
    for character in trimmed.chars() {
        if character.is_ascii_alphanumeric() {
            compacted.push(character.to_ascii_uppercase());
        } else if !character.is_whitespace() {
            return Err(PostcodeError::InvalidCharacter { character });
        }
    }
    if !(MIN_POSTCODE_CHARS..=MAX_POSTCODE_CHARS).contains(&compacted.len()) {
        return Err(PostcodeError::WrongLength { characters: compacted.len() });
    }
    Ok(compacted)
}

fn check_inward(inward: &str) -> Result<(), PostcodeError> {
    let valid = match inward.as_bytes() {
        [sector, first, second] => {
            sector.is_ascii_digit() && UNIT_LETTERS.contains(first) && UNIT_LETTERS.contains(second)
        }
        _ => false,
    };
    if valid { Ok(()) } else { Err(PostcodeError::InvalidInward { inward: inward.to_owned() }) }
}

fn check_outward(outward: &str) -> Result<(), PostcodeError> {
    let bytes = outward.as_bytes();
    let area_letters = bytes.iter().take_while(|byte| byte.is_ascii_alphabetic()).count();
    let rest = &bytes[area_letters..];
    let area = &bytes[..area_letters];
    let area_shape_ok = match area {
        [first] => !EXCLUDED_FIRST_LETTERS.contains(first),
        [first, second] => !EXCLUDED_FIRST_LETTERS.contains(first) && !EXCLUDED_SECOND_LETTERS.contains(second),
        _ => false,
    };
    let district_ok = match rest {
        [digit] => digit.is_ascii_digit(),
        [tens, units] if units.is_ascii_digit() => tens.is_ascii_digit(),
        [digit, letter] if area.len() == 1 => digit.is_ascii_digit() && THIRD_POSITION_LETTERS.contains(letter),
        [digit, letter] => digit.is_ascii_digit() && FOURTH_POSITION_LETTERS.contains(letter),
        _ => false,
    };
    if !area_shape_ok || !district_ok {
        return Err(PostcodeError::InvalidOutward { outward: outward.to_owned() });
    }
    let area_text = &outward[..area_letters];
    if !POSTCODE_AREAS.contains(&area_text) {
        return Err(PostcodeError::UnknownArea { area: area_text.to_owned() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_is_listed_once_and_is_well_shaped() {
        assert_eq!(POSTCODE_AREAS.len(), 124);
        for (index, area) in POSTCODE_AREAS.iter().enumerate() {
            assert!(!POSTCODE_AREAS[index + 1..].contains(area), "{area} listed twice");
            assert!(normalise(&format!("{area}1 1AA")).is_ok(), "{area}");
        }
    }
}
