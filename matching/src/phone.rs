//! UK telephone numbers: any common written form (`07700 900123`, `+44 (0)7700 900123`,
//! `0044 7700 900123`, `447700900123`, `(07700) 900-123`, a spreadsheet's `7700900123`) to E.164
//! (`+447700900123`), checked against the UK numbering plan's prefixes and lengths, with an error
//! that says why a number was refused.
//!
//! This is hand-written rather than built on the `phonenumber` crate: that crate compiles 15 MB of
//! libphonenumber metadata through a build script (quick-xml, regex, nom, strum ...), and its GB
//! mobile pattern deliberately rejects the Ofcom drama range `07700 900xxx`, which the synthetic
//! data is made of. The UK plan is small enough to state here in a few named tables.

use std::fmt;
use std::str::FromStr;

/// The UK's country calling code.
pub const UK_COUNTRY_CODE: &str = "44";
/// The international dialling prefix used from the UK (and most of Europe): `00 44 ...`.
const INTERNATIONAL_DIALLING_PREFIX: &str = "00";
/// The trunk prefix dialled before a national number inside the UK: `0 7700 900123`.
const TRUNK_PREFIX: char = '0';
/// Digits of a national significant number (the number after `+44`) in almost every range.
const NSN_LENGTH: usize = 10;
/// Digits of the shorter national significant numbers still found in some `01` areas (e.g.
/// `016977 2xxx`) and among older `0800` freephone numbers.
const SHORT_NSN_LENGTH: usize = 9;
/// Leading digits of a national significant number that decide its range (`7x`, `2x`, `8x`).
const PREFIX_DIGITS: usize = 2;
/// Longest input accepted, in characters, so a pasted paragraph is refused rather than parsed.
pub const MAX_PHONE_INPUT_CHARS: usize = 40;
/// Characters people put between digits that carry no meaning.
const SEPARATORS: &[char] = &[' ', '-', '.', '(', ')', '/', '\u{a0}', '\t'];
/// National significant number prefixes of the Ofcom ranges reserved for TV and radio drama:
/// each prefix is followed by three free digits (1,000 numbers).
const DRAMA_RANGE_PREFIXES: &[&str] = &[
    "7700900", // 07700 900000 - 900999, mobile
    "2079460", // 020 7946 0xxx, London
    "1134960", // 0113 496 0xxx, Leeds
    "1144960", // 0114 496 0xxx, Sheffield
    "1154960", // 0115 496 0xxx, Nottingham
    "1164960", // 0116 496 0xxx, Leicester
    "1174960", // 0117 496 0xxx, Bristol
    "1184960", // 0118 496 0xxx, Reading
    "1214960", // 0121 496 0xxx, Birmingham
    "1314960", // 0131 496 0xxx, Edinburgh
    "1414960", // 0141 496 0xxx, Glasgow
    "1514960", // 0151 496 0xxx, Liverpool
    "1614960", // 0161 496 0xxx, Manchester
    "1914980", // 0191 498 0xxx, Tyneside
    "1632960", // 01632 960xxx, no real area
    "2890180", // 028 9018 0xxx, Belfast
    "2920180", // 029 2018 0xxx, Cardiff
    "8081570", // 0808 157 0xxx, freephone
    "9098790", // 0909 879 0xxx, premium rate
    "3069990", // 03069 990xxx, UK-wide
];
/// Digits of a drama-range prefix in [`DRAMA_RANGE_PREFIXES`].
const DRAMA_RANGE_PREFIX_LENGTH: usize = 7;
/// Digits after a drama-range prefix.
const DRAMA_RANGE_FREE_DIGITS: usize = 3;
/// The Isle of Man's mobile numbers, inside the `076` paging range.
const ISLE_OF_MAN_MOBILE_PREFIX: &str = "7624";
/// `01` geographic numbers: with freephone, the only range where nine-digit numbers remain.
const GEOGRAPHIC_SHORT_PREFIX: &str = "1";
/// Freephone numbers, some of which still have nine digits (`0800 123456`).
const FREEPHONE_PREFIX: &str = "80";

/// What kind of service a UK number belongs to, from its leading digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberKind {
    /// `071`-`075`, `077`-`079` and the Isle of Man's `07624`.
    Mobile,
    /// `01` and `02` area codes.
    Geographic,
    /// `03` UK-wide numbers charged as geographic.
    UkWide,
    /// `055` and `056` corporate and VoIP numbers.
    Corporate,
    /// `070` personal numbering (follow-me numbers).
    Personal,
    /// `076` radiopaging.
    Pager,
    /// `080` freephone.
    Freephone,
    /// `084` and `087` business-rate numbers.
    SpecialRate,
    /// `09` premium-rate numbers.
    PremiumRate,
}

/// Why a string is not a UK phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but spaces.
    #[error("the phone number is empty")]
    Empty,
    /// More characters than [`MAX_PHONE_INPUT_CHARS`].
    #[error("the phone number is too long to be one ({characters} characters)")]
    TooLong {
        /// Characters in the input.
        characters: usize,
    },
    /// Letters, as in `0800 FLOWERS` or `ext 12`.
    #[error("the phone number contains letters")]
    ContainsLetters,
    /// A character that is neither a digit, a leading `+` nor a separator.
    #[error("the phone number contains '{character}'")]
    UnexpectedCharacter {
        /// The offending character.
        character: char,
    },
    /// A `+` anywhere but at the start.
    #[error("a '+' may only start a phone number")]
    MisplacedPlus,
    /// An international number with another country code.
    #[error("{dialled} is not a UK number (the UK country code is +44)")]
    NotUk {
        /// The number as dialled internationally, e.g. `+33612345678`.
        dialled: String,
    },
    /// Leading digits that no UK range uses (`04`, `06`, `021` ...).
    #[error("no UK number starts {prefix}")]
    UnknownPrefix {
        /// The national prefix, e.g. `04`.
        prefix: String,
    },
    /// Too few or too many digits for the range.
    #[error("a UK number starting {prefix} has {expected} digits, not {national_digits}")]
    WrongLength {
        /// The national prefix, e.g. `07`.
        prefix: String,
        /// Digits written nationally, with the leading `0`.
        national_digits: usize,
        /// The allowed counts, e.g. `11` or `10 or 11`.
        expected: &'static str,
    },
}

/// A UK phone number in E.164 form: `+44` and the national significant number, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164 {
    /// `+44` followed by 9 or 10 digits.
    text: String,
}

impl E164 {
    /// Normalises a UK phone number written in any common form; see [`normalise`].
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        normalise(raw)
    }

    /// The E.164 text, e.g. `+447700900123`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The national significant number: the digits after `+44`.
    pub fn national_significant_number(&self) -> &str {
        self.text.get(1 + UK_COUNTRY_CODE.len()..).unwrap_or_default()
    }

    /// The number as dialled inside the UK, e.g. `07700900123`.
    pub fn national(&self) -> String {
        format!("{TRUNK_PREFIX}{}", self.national_significant_number())
    }

    /// The kind of service, from the leading digits.
    pub fn kind(&self) -> NumberKind {
        // Only numbers whose prefix classified successfully are ever constructed.
        classify(self.national_significant_number()).unwrap_or(NumberKind::Geographic)
    }

    /// True for a number in one of Ofcom's ranges reserved for drama (never allocated to anyone).
    pub fn is_drama_range(&self) -> bool {
        let nsn = self.national_significant_number();
        nsn.len() == DRAMA_RANGE_PREFIX_LENGTH + DRAMA_RANGE_FREE_DIGITS
            && DRAMA_RANGE_PREFIXES.iter().any(|prefix| nsn.starts_with(prefix))
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.text)
    }
}

impl FromStr for E164 {
    type Err = PhoneError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        normalise(raw)
    }
}

/// Normalises a UK phone number to E.164.
///
/// Accepts national (`07700 900123`), international (`+44 7700 900123`, `0044 7700 900123`,
/// `447700900123`), the `(0)` convention (`+44 (0)20 7946 0000`), brackets, hyphens, dots and
/// slashes, and a national number whose leading `0` a spreadsheet dropped (`7700900123`).
/// Refuses letters, other country codes, unused prefixes and wrong lengths, saying which.
pub fn normalise(raw: &str) -> Result<E164, PhoneError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    let characters = trimmed.chars().count();
    if characters > MAX_PHONE_INPUT_CHARS {
        return Err(PhoneError::TooLong { characters });
    }
    let (has_plus, digits) = digits_of(trimmed)?;
    let nsn = national_significant_number(has_plus, &digits)?;
    validate_nsn(nsn)?;
    Ok(E164 { text: format!("+{UK_COUNTRY_CODE}{nsn}") })
}

/// The digits of the input and whether it started with `+`.
fn digits_of(trimmed: &str) -> Result<(bool, String), PhoneError> {
    let mut has_plus = false;
    let mut digits = String::with_capacity(trimmed.len());
    for character in trimmed.chars() {
        if character.is_ascii_digit() {
            digits.push(character);
        } else if character == '+' {
            if has_plus || !digits.is_empty() {
                return Err(PhoneError::MisplacedPlus);
            }
            has_plus = true;
        } else if character.is_alphabetic() {
            return Err(PhoneError::ContainsLetters);
        } else if !SEPARATORS.contains(&character) && !character.is_whitespace() {
            return Err(PhoneError::UnexpectedCharacter { character });
        }
    }
    Ok((has_plus, digits))
}

/// Strips the international or trunk prefix, leaving the national significant number.
fn national_significant_number(has_plus: bool, digits: &str) -> Result<&str, PhoneError> {
    let international = if has_plus { Some(digits) } else { digits.strip_prefix(INTERNATIONAL_DIALLING_PREFIX) };
    if let Some(dialled) = international {
        let Some(after_country_code) = dialled.strip_prefix(UK_COUNTRY_CODE) else {
            return Err(PhoneError::NotUk { dialled: format!("+{dialled}") });
        };
        // `+44 (0)20 ...`: the trunk prefix written in brackets is not dialled internationally.
        return Ok(after_country_code.strip_prefix(TRUNK_PREFIX).unwrap_or(after_country_code));
    }
    if let Some(national) = digits.strip_prefix(TRUNK_PREFIX) {
        return Ok(national);
    }
    // No UK national significant number starts with 4, so a leading 44 is the country code
    // written without `+` (`447700900123`).
    if let Some(after_country_code) = digits.strip_prefix(UK_COUNTRY_CODE) {
        return Ok(after_country_code.strip_prefix(TRUNK_PREFIX).unwrap_or(after_country_code));
    }
    // Otherwise the leading 0 was lost, typically by a spreadsheet treating the number as numeric.
    Ok(digits)
}

/// Checks the prefix and the length of a national significant number.
fn validate_nsn(nsn: &str) -> Result<(), PhoneError> {
    let prefix = national_prefix(nsn);
    if nsn.len() < PREFIX_DIGITS {
        return Err(PhoneError::WrongLength { prefix, national_digits: nsn.len() + 1, expected: "11" });
    }
    if classify(nsn).is_none() {
        return Err(PhoneError::UnknownPrefix { prefix });
    }
    // Nine-digit national significant numbers survive only in some `01` areas and in `080`.
    let allows_short = nsn.starts_with(GEOGRAPHIC_SHORT_PREFIX) || nsn.starts_with(FREEPHONE_PREFIX);
    let length_ok = nsn.len() == NSN_LENGTH || (allows_short && nsn.len() == SHORT_NSN_LENGTH);
    if length_ok {
        return Ok(());
    }
    Err(PhoneError::WrongLength {
        prefix,
        national_digits: nsn.len() + 1,
        expected: if allows_short { "10 or 11" } else { "11" },
    })
}

/// The leading national digits named in errors: `0` and the range digits (`07`, `020`).
fn national_prefix(nsn: &str) -> String {
    let shown: String = nsn.chars().take(PREFIX_DIGITS).collect();
    format!("{TRUNK_PREFIX}{shown}")
}

/// The kind of service of a national significant number, or `None` when no UK range starts so.
fn classify(nsn: &str) -> Option<NumberKind> {
    let mut leading = nsn.chars();
    let first = leading.next()?;
    let second = leading.next();
    let kind = match (first, second) {
        ('1', Some('1'..='9')) => NumberKind::Geographic,
        ('2', Some('0' | '3' | '4' | '8' | '9')) => NumberKind::Geographic,
        ('3', Some('0' | '3' | '4' | '7')) => NumberKind::UkWide,
        ('5', Some('5' | '6')) => NumberKind::Corporate,
        ('7', Some('0')) => NumberKind::Personal,
        ('7', Some('6')) if nsn.starts_with(ISLE_OF_MAN_MOBILE_PREFIX) => NumberKind::Mobile,
        ('7', Some('6')) => NumberKind::Pager,
        ('7', Some('1'..='5' | '7'..='9')) => NumberKind::Mobile,
        ('8', Some('0')) => NumberKind::Freephone,
        ('8', Some('4' | '7')) => NumberKind::SpecialRate,
        ('9', Some('0' | '1' | '8')) => NumberKind::PremiumRate,
        _ => return None,
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_national_form_and_the_kind_come_back_from_e164() {
        let number = normalise("07624 123456").unwrap();
        assert_eq!(number.national(), "07624123456");
        assert_eq!(number.kind(), NumberKind::Mobile);
        assert_eq!(normalise("07600 123456").unwrap().kind(), NumberKind::Pager);
        assert_eq!(normalise("0800 123456").unwrap().kind(), NumberKind::Freephone);
    }
}
