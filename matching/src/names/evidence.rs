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
