//! Places inside a postcode area: street lines, postcodes and coordinates near the centre.

use std::fmt::Write;

use rand::Rng;

use crate::fields::inward_code;
use crate::vocab::places::{LATITUDE_JITTER, LONGITUDE_JITTER, PostcodeArea, STREET_STEMS, STREET_SUFFIXES};

/// Decimal places kept in coordinates (about 1 m).
const COORDINATE_SCALE: f64 = 1e5;

/// A street name such as "Victoria Road".
pub(crate) fn street(rng: &mut impl Rng) -> String {
    let stem = STREET_STEMS[rng.random_range(0..STREET_STEMS.len())];
    let suffix = STREET_SUFFIXES[rng.random_range(0..STREET_SUFFIXES.len())];
    format!("{stem} {suffix}")
}

/// A normalised postcode in the area: upper case, one space before the inward code.
pub(crate) fn postcode(rng: &mut impl Rng, area: &PostcodeArea) -> String {
    let mut code = String::with_capacity(8);
    code.push_str(area.area);
    let (low, high) = area.districts;
    let _ = write!(code, "{}", rng.random_range(low..=high));
    let letters = area.subdistricts.as_bytes();
    if !letters.is_empty() {
        code.push(char::from(letters[rng.random_range(0..letters.len())]));
    }
    code.push(' ');
    code.push_str(&inward_code(rng));
    code
}

/// A (latitude, longitude) near the area's centre, rounded to five decimal places.
pub(crate) fn coordinates(rng: &mut impl Rng, area: &PostcodeArea) -> (f64, f64) {
    let latitude = area.latitude + rng.random_range(-LATITUDE_JITTER..LATITUDE_JITTER);
    let longitude = area.longitude + rng.random_range(-LONGITUDE_JITTER..LONGITUDE_JITTER);
    (
        (latitude * COORDINATE_SCALE).round() / COORDINATE_SCALE,
        (longitude * COORDINATE_SCALE).round() / COORDINATE_SCALE,
    )
}
