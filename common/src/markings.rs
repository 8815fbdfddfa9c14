//! Protective markings carried by every row: Government Security Classification and handling code,
//! and the marking code that states both as one small number, so that policy can test rows with
//! integer comparisons instead of string ones (the text stays the record of truth).

use std::fmt;
use std::str::FromStr;

use arrow::array::{Array, Int8Array, StringArray};

/// Government Security Classifications, ordered from least to most sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Classification {
    Official,
    OfficialSensitive,
    Secret,
}

impl Classification {
    /// Every classification, least sensitive first.
    pub const ALL: [Classification; 3] = [Self::Official, Self::OfficialSensitive, Self::Secret];

    /// Position in [`Classification::ALL`]: 0 for the least sensitive.
    pub fn rank(self) -> i8 {
        match self {
            Self::Official => 0,
            Self::OfficialSensitive => 1,
            Self::Secret => 2,
        }
    }

    /// The marking as written in data and tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Official => "OFFICIAL",
            Self::OfficialSensitive => "OFFICIAL-SENSITIVE",
            Self::Secret => "SECRET",
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A marking that is not one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown marking {0:?}")]
pub struct UnknownMarking(pub String);

impl FromStr for Classification {
    type Err = UnknownMarking;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|candidate| candidate.as_str() == text)
            .ok_or_else(|| UnknownMarking(text.to_owned()))
    }
}

/// Handling code: `P` lawful sharing permitted, `C` sharing permitted with conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandlingCode {
    Permitted,
    Conditions,
}

impl HandlingCode {
    /// The code as written in data.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Permitted => "P",
            Self::Conditions => "C",
        }
    }
}

impl FromStr for HandlingCode {
    type Err = UnknownMarking;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "P" => Ok(Self::Permitted),
            "C" => Ok(Self::Conditions),
            other => Err(UnknownMarking(other.to_owned())),
        }
    }
}

/// True when handling conditions hold at least one non-whitespace character.
pub fn conditions_present(conditions: Option<&str>) -> bool {
    conditions.is_some_and(|text| text.chars().any(|character| !character.is_whitespace()))
}

/// The `marking_code` of a row with these markings: twice the classification's rank
/// (`OFFICIAL` 0, `OFFICIAL-SENSITIVE` 1, `SECRET` 2), plus one for handling code `C` with
/// conditions. `None` (stored as NULL) when the markings are not valid: an unknown
/// classification or handling code, or `C` without conditions. Such rows are invisible to
/// everyone, and NULL matches no policy predicate.
pub fn marking_code(classification: &str, handling_code: &str, conditions: Option<&str>) -> Option<i8> {
    let classification: Classification = classification.parse().ok()?;
    let conditions_apply = match handling_code.parse().ok()? {
        HandlingCode::Permitted => 0,
        HandlingCode::Conditions if conditions_present(conditions) => 1,
        HandlingCode::Conditions => return None,
    };
    Some(classification.rank() * 2 + conditions_apply)
}

/// The codes of handling code `P` rows at or below `max`, least sensitive first.
pub fn permitted_codes_up_to(max: Classification) -> Vec<i8> {
    Classification::ALL.into_iter().filter(|level| *level <= max).map(|level| level.rank() * 2).collect()
}

/// The highest code of a valid row at or below `max` (every lower code is valid too).
pub fn highest_code_up_to(max: Classification) -> i8 {
    max.rank() * 2 + 1
}

/// [`marking_code`] of every row of three marking columns (a NULL classification or handling
/// code gives a NULL code).
pub fn marking_codes(classification: &StringArray, handling_code: &StringArray, conditions: &StringArray) -> Int8Array {
    fn text(array: &StringArray, row: usize) -> Option<&str> {
        array.is_valid(row).then(|| array.value(row))
    }
    (0..classification.len())
        .map(|row| marking_code(text(classification, row)?, text(handling_code, row)?, text(conditions, row)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifications_order_and_round_trip() {
        assert!(Classification::Official < Classification::OfficialSensitive);
        assert!(Classification::OfficialSensitive < Classification::Secret);
        for classification in Classification::ALL {
            assert_eq!(classification.as_str().parse::<Classification>(), Ok(classification));
        }
        assert!("TOP SECRET".parse::<Classification>().is_err());
        assert!("official".parse::<Classification>().is_err());
        assert_eq!("C".parse::<HandlingCode>(), Ok(HandlingCode::Conditions));
        assert!("X".parse::<HandlingCode>().is_err());
    }

    #[test]
    fn marking_codes_order_by_classification_and_refuse_invalid_markings() {
        assert_eq!(marking_code("OFFICIAL", "P", None), Some(0));
        assert_eq!(marking_code("OFFICIAL", "C", Some("originator consent")), Some(1));
        assert_eq!(marking_code("OFFICIAL-SENSITIVE", "P", Some("ignored for P")), Some(2));
        assert_eq!(marking_code("SECRET", "C", Some("x")), Some(5));
        assert_eq!(marking_code("SECRET", "C", Some(" \t\u{3000}")), None);
        assert_eq!(marking_code("SECRET", "C", None), None);
        assert_eq!(marking_code("TOP SECRET", "P", None), None);
        assert_eq!(marking_code("OFFICIAL", "p", None), None);
        assert_eq!(permitted_codes_up_to(Classification::OfficialSensitive), vec![0, 2]);
        assert_eq!(highest_code_up_to(Classification::Official), 1);
        assert_eq!(highest_code_up_to(Classification::Secret), 5);
    }

    #[test]
    fn column_codes_match_row_codes() {
        let classification = StringArray::from(vec![Some("OFFICIAL"), None, Some("SECRET"), Some("SECRET")]);
        let handling = StringArray::from(vec![Some("C"), Some("P"), Some("C"), Some("P")]);
        let conditions = StringArray::from(vec![Some("consent"), None, None, None]);
        let codes = marking_codes(&classification, &handling, &conditions);
        assert_eq!(codes.iter().collect::<Vec<_>>(), vec![Some(1), None, None, Some(4)]);
    }
}
