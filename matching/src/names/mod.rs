//! Person matching for entity search: normalised names and phonetic keys for indexing, a
//! nickname and variant table, and a scorer that weighs surname, forenames and date of birth
//! into a ranked list of candidates with the evidence for each.

mod dob;
mod equivalents;
mod evidence;
mod keys;
mod normalise;
mod person;
mod phonetic;
mod rank;
mod score;
mod similarity;

pub use dob::{
    DobQuery, DobQueryError, EXACT_DOB_WEIGHT, MONTH_DOB_WEIGHT, NARROW_RANGE_DAYS, UNCERTAIN_DOB_AGREEMENT,
    WIDE_RANGE_DOB_WEIGHT, YEAR_DOB_WEIGHT, YEAR_RANGE_DAYS,
};
pub use equivalents::forename_group_count;
pub use evidence::{DobNearMiss, Evidence};
pub use keys::NameKeys;
pub use person::{Gender, PersonQuery, PersonQueryError, PersonRecord};
pub use phonetic::PHONETIC_CODE_LENGTH;
pub use rank::{DEFAULT_LIMIT, DEFAULT_THRESHOLD, RankedPerson, rank};
pub use score::{
    DOB_CONFLICT_FACTOR, FORENAME_WEIGHT, GENDER_CONFLICT_FACTOR, MISSING_FORENAMES_AGREEMENT, NAME_SPLIT_SIMILARITY,
    PersonMatch, PersonMatcher, SURNAME_WEIGHT, TRANSPOSED_FACTOR, score_person,
};
pub use similarity::{
    DISTINCT_SUFFIX_LETTERS, FORENAME_PHONETIC_SIMILARITY, INITIAL_SIMILARITY, MIDDLE_NAME_SIMILARITY,
    MIN_EDIT_SIMILARITY, NICKNAME_SIMILARITY, PHONETIC_MIN_JARO_WINKLER, SIMILAR_MIN_JARO_WINKLER,
    SIMILAR_SPELLING_FACTOR, SURNAME_PART_FACTOR, SURNAME_PHONETIC_SIMILARITY, VARIANT_SIMILARITY,
};
