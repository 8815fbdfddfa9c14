//! Protective markings carried by every row: Government Security Classification and handling code.

use std::fmt;
use std::str::FromStr;

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
}
