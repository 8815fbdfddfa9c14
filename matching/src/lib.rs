//! The matching and normalisation core of entity search (design section 4.1): UK phone numbers
//! to E.164, vehicle registration marks with flagged misreadings, postcodes with their district,
//! and fuzzy person matching (phonetic and edit-distance names, nicknames, transposed and
//! double-barrelled names, date of birth exact, partial or in a range) ranked with evidence.
//!
//! Pure functions over strings and dates: no I/O, no Arrow, no async, so hub, nodes and the
//! command line can all call it and it compiles in seconds.

pub mod names;
pub mod phone;
pub mod postcode;
pub mod vrm;

pub use names::{
    DEFAULT_LIMIT, DEFAULT_THRESHOLD, DobQuery, Evidence, Gender, NameKeys, PersonMatch, PersonMatcher, PersonQuery,
    PersonRecord, RankedPerson, rank, score_person,
};
pub use phone::{E164, PhoneError, normalise as normalise_phone};
pub use postcode::{Postcode, PostcodeError, normalise as normalise_postcode};
pub use vrm::{Vrm, VrmAlternative, VrmError, VrmSearch, normalise as normalise_vrm, search_marks};
