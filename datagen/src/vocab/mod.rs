//! Fixed vocabularies the generator draws from: names, places and other realistic lists.

pub(crate) mod lists;
pub(crate) mod names;
pub(crate) mod places;
