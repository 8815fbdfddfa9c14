//! The reasons a candidate person matched, or matched less well, so that an analyst can see why a
//! record was offered (`SurnamePhonetic`, `ForenameNickname`, `DobConflict` ...).

/// How a recorded date of birth nearly agrees with the one asked for: the typing and recording
/// slips that make the same person's dates differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DobNearMiss {
    /// Day and month swapped (`1990-03-04` for `1990-04-03`), as between UK and US order.
    DayMonthSwapped,
    /// Same year and month, one digit of the day different.
    DayDigit,
    /// Same year and day, one digit of the month different.
    MonthDigit,
    /// Same day and month, the year one out or differing in its last digit.
    YearSlip,
}

/// One reason contributing to a person match.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// The surnames are equal after normalisation (case, accents, punctuation, `Mac`/`Mc`).
    SurnameExact,
    /// The surnames are recognised spellings of one name (`Chowdhury`/`Chaudhry`).
    SurnameVariant,
    /// The surnames sound alike (they share this Double Metaphone code) and look alike.
    SurnamePhonetic {
        /// The shared code.
        code: String,
    },
    /// The surnames are spelt alike (a typing slip) without sounding alike.
    SurnameSimilar {
        /// Their Jaro-Winkler similarity.
        jaro_winkler: f64,
    },
    /// One part of a double-barrelled or multi-word surname matched the other surname.
    HyphenatedSurnamePart {
        /// The part that matched, normalised.
        part: String,
    },
    /// The first forenames are equal after normalisation.
    ForenameExact,
    /// The first forenames are spellings or language forms of one name (`Catherine`/`Kathryn`,
    /// `Piotr`/`Peter`).
    ForenameVariant,
    /// One first forename is a nickname or short form of the other (`Bill`/`William`).
    ForenameNickname,
    /// The first forenames sound alike (they share this Double Metaphone code) and look alike.
    ForenamePhonetic {
        /// The shared code.
        code: String,
    },
    /// The first forenames are spelt alike without sounding alike.
    ForenameSimilar {
        /// Their Jaro-Winkler similarity.
        jaro_winkler: f64,
    },
    /// One side gave only an initial, and it agrees.
    ForenameInitial,
    /// The first forename on one side is a middle name on the other.
    ForenameMatchesMiddleName {
        /// The name that matched, normalised.
        name: String,
    },
    /// The forenames do not agree.
    ForenameMismatch,
    /// The candidate has no recorded forenames.
    ForenamesMissing,
    /// The candidate's surname and forenames are the other way round.
    NamesTransposed,
    /// The same words, with the boundary between forenames and surname drawn elsewhere
    /// (`Abdul Rahman | Miah` and `Abdul | Rahman Miah`).
    NameSplitDiffers,
    /// The dates of birth are the same.
    DobExact,
    /// The candidate's date of birth falls in the year, or year and month, asked for.
    DobPartial,
    /// The candidate's date of birth falls in the range asked for.
    DobWithinRange,
    /// The dates of birth differ in a way a recording slip explains.
    DobNearMiss {
        /// Which slip.
        kind: DobNearMiss,
    },
    /// The dates of birth disagree: strong evidence of a different person.
    DobConflict,
    /// A date of birth was asked for but the candidate has none recorded.
    DobMissing,
    /// Both genders are recorded and they differ.
    GenderConflict,
}

impl std::fmt::Display for DobNearMiss {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Self::DayMonthSwapped => "day and month swapped",
            Self::DayDigit => "one digit of the day differs",
            Self::MonthDigit => "one digit of the month differs",
            Self::YearSlip => "the year differs by a slip",
        })
    }
}

/// A short reason an analyst can read, e.g. `surname sounds alike (SM0)`.
impl std::fmt::Display for Evidence {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SurnameExact => formatter.write_str("surname the same"),
            Self::SurnameVariant => formatter.write_str("surname a known variant spelling"),
            Self::SurnamePhonetic { code } => write!(formatter, "surname sounds alike ({code})"),
            Self::SurnameSimilar { jaro_winkler } => write!(formatter, "surname spelt alike ({jaro_winkler:.2})"),
            Self::HyphenatedSurnamePart { part } => write!(formatter, "one part of the surname matches ({part})"),
            Self::ForenameExact => formatter.write_str("forename the same"),
            Self::ForenameVariant => formatter.write_str("forename a variant spelling"),
            Self::ForenameNickname => formatter.write_str("forename a nickname or short form"),
            Self::ForenamePhonetic { code } => write!(formatter, "forename sounds alike ({code})"),
            Self::ForenameSimilar { jaro_winkler } => write!(formatter, "forename spelt alike ({jaro_winkler:.2})"),
            Self::ForenameInitial => formatter.write_str("forename initial agrees"),
            Self::ForenameMatchesMiddleName { name } => write!(formatter, "forename matches a middle name ({name})"),
            Self::ForenameMismatch => formatter.write_str("forenames differ"),
            Self::ForenamesMissing => formatter.write_str("no forenames recorded"),
            Self::NamesTransposed => formatter.write_str("surname and forename transposed"),
            Self::NameSplitDiffers => formatter.write_str("same words, split differently between names"),
            Self::DobExact => formatter.write_str("date of birth the same"),
            Self::DobPartial => formatter.write_str("date of birth in the year or month asked"),
            Self::DobWithinRange => formatter.write_str("date of birth within the range asked"),
            Self::DobNearMiss { kind } => write!(formatter, "date of birth nearly agrees ({kind})"),
            Self::DobConflict => formatter.write_str("dates of birth disagree"),
            Self::DobMissing => formatter.write_str("no date of birth recorded"),
            Self::GenderConflict => formatter.write_str("genders differ"),
        }
    }
}
