//! What a person search asks for and what a candidate record offers: names as recorded, an
//! optional date of birth and gender.

use chrono::NaiveDate;

use super::dob::DobQuery;
use super::normalise::fold_words;

/// Recorded gender, when recorded as male or female (`U` and blanks are unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// `M`.
    Male,
    /// `F`.
    Female,
}

impl Gender {
    /// Reads the common data model's `M` and `F` (any case); anything else is unknown.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "M" | "m" => Some(Self::Male),
            "F" | "f" => Some(Self::Female),
            _ => None,
        }
    }
}

/// Why a person search was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonQueryError {
    /// The surname has no letters: a person search needs one.
    #[error("a person search needs a surname with at least one letter")]
    MissingSurname,
}

/// A person search: a surname, optionally forenames, a date-of-birth criterion and a gender.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonQuery {
    /// Surname as typed.
    pub(crate) surname: String,
    /// Forenames as typed (may be empty).
    pub(crate) forenames: String,
    /// Date-of-birth criterion, if any.
    pub(crate) dob: Option<DobQuery>,
    /// Gender, if known.
    pub(crate) gender: Option<Gender>,
}

impl PersonQuery {
    /// A search for `forenames` (may be empty) `surname`; refuses a surname without letters.
    pub fn new(surname: &str, forenames: &str) -> Result<Self, PersonQueryError> {
        if fold_words(surname).is_empty() {
            return Err(PersonQueryError::MissingSurname);
        }
        Ok(Self { surname: surname.to_owned(), forenames: forenames.to_owned(), dob: None, gender: None })
    }

    /// Adds a date-of-birth criterion.
    pub fn with_dob(mut self, dob: DobQuery) -> Self {
        self.dob = Some(dob);
        self
    }

    /// Adds a gender: a candidate recorded with the other gender scores much lower.
    pub fn with_gender(mut self, gender: Gender) -> Self {
        self.gender = Some(gender);
        self
    }

    /// The surname as typed.
    pub fn surname(&self) -> &str {
        &self.surname
    }

    /// The forenames as typed.
    pub fn forenames(&self) -> &str {
        &self.forenames
    }

    /// The date-of-birth criterion.
    pub fn dob(&self) -> Option<&DobQuery> {
        self.dob.as_ref()
    }

    /// The gender asked for.
    pub fn gender(&self) -> Option<Gender> {
        self.gender
    }
}

/// A candidate person as a region recorded them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonRecord {
    /// Surname as recorded.
    pub surname: String,
    /// Forenames as recorded, given name first (may be empty).
    pub forenames: String,
    /// Date of birth, if recorded.
    pub dob: Option<NaiveDate>,
    /// Gender, if recorded as male or female.
    pub gender: Option<Gender>,
}

impl PersonRecord {
    /// A record with names only.
    pub fn new(surname: &str, forenames: &str) -> Self {
        Self { surname: surname.to_owned(), forenames: forenames.to_owned(), dob: None, gender: None }
    }

    /// Adds a recorded date of birth.
    pub fn with_dob(mut self, dob: NaiveDate) -> Self {
        self.dob = Some(dob);
        self
    }

    /// Adds a recorded gender.
    pub fn with_gender(mut self, gender: Gender) -> Self {
        self.gender = Some(gender);
        self
    }
}
