//! Generators for single realistic values: PNC ids, IMEIs with a Luhn check digit, current-format
//! VRMs, postcodes, fictitious mobile numbers, data.police.uk crime ids and dates.

use std::fmt::Write;

use rand::Rng;
use rand::seq::IndexedRandom;

/// Days from 1970-01-01 to 2025-06-30, the fixed "as of" date of all generated data, so that
/// dates depend on the seed only and never on the clock.
pub(crate) const REFERENCE_DAY: i32 = 20_269;
/// Days covered by "recent" activity (intel reports, phone sightings, crimes): three years.
pub(crate) const RECENT_WINDOW_DAYS: i32 = 3 * 365;
/// Earliest date of birth: 1950-01-01 as days since the epoch.
pub(crate) const EARLIEST_DOB_DAY: i32 = -7_305;
/// Latest date of birth: 2010-12-31 as days since the epoch.
pub(crate) const LATEST_DOB_DAY: i32 = 14_974;
/// Microseconds in a day, for `reported_at` timestamps.
pub(crate) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Letters used in the three random letters of a VRM (no I, Q or Z).
const VRM_LETTERS: &[u8] = b"ABCDEFGHJKLMNOPRSTUVWXY";
/// Letters allowed in the inward code of a postcode (Royal Mail never uses C, I, K, M, O, V).
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
/// PNC check characters, indexed by (year digits and serial) mod 23.
const PNC_CHECK_CHARACTERS: &[u8] = b"ZABCDEFGHJKLMNPQRTUVWXY";
/// Age identifiers of the current VRM format from September 2001 ("51") to March 2025 ("25").
pub(crate) const AGE_IDENTIFIERS: [&str; 48] = [
    "51", "02", "52", "03", "53", "04", "54", "05", "55", "06", "56", "07", "57", "08", "58", "09", "59", "10", "60",
    "11", "61", "12", "62", "13", "63", "14", "64", "15", "65", "16", "66", "17", "67", "18", "68", "19", "69", "20",
    "70", "21", "71", "22", "72", "23", "73", "24", "74", "25",
];
/// Type allocation codes (first 8 IMEI digits) of common handsets, plausible-looking.
const IMEI_TACS: [&str; 8] =
    ["35332510", "35875109", "35391110", "35467811", "86769704", "35209711", "35674108", "01326300"];
/// Size of the per-prefix block of bulk mobile numbers (seven digits).
const MOBILE_BLOCK: u64 = 10_000_000;
/// Bits of the Feistel permutation domain that covers one block (2^24 > 10^7).
const FEISTEL_HALF_BITS: u32 = 12;
/// Rounds of the Feistel permutation.
const FEISTEL_ROUNDS: u64 = 4;

/// Picks a uniformly random byte from a non-empty alphabet.
fn pick_letter(rng: &mut impl Rng, alphabet: &[u8]) -> char {
    char::from(alphabet[rng.random_range(0..alphabet.len())])
}

/// A PNC id `YY/NNNNNNNL`: arrest year, seven-digit serial and the mod-23 check letter.
pub(crate) fn pnc_id(rng: &mut impl Rng) -> String {
    let year: u64 = (rng.random_range(1985..2025_u64)) % 100;
    let serial: u64 = rng.random_range(0..10_000_000);
    let check = PNC_CHECK_CHARACTERS[((year * 10_000_000 + serial) % 23) as usize];
    format!("{year:02}/{serial:07}{}", char::from(check))
}

/// The Luhn check digit for a string of decimal digits.
pub(crate) fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, byte)| {
            let digit = u32::from(byte - b'0');
            if position % 2 == 0 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// True when the last digit is the Luhn check digit of the rest (e.g. a valid IMEI).
pub fn luhn_valid(number: &str) -> bool {
    let Some((payload, check)) = number.split_at_checked(number.len().saturating_sub(1)) else {
        return false;
    };
    !payload.is_empty()
        && number.bytes().all(|byte| byte.is_ascii_digit())
        && check.parse::<u32>().ok() == Some(luhn_check_digit(payload))
}

/// A 15-digit IMEI: a common TAC, a six-digit serial and the Luhn check digit.
pub(crate) fn imei(rng: &mut impl Rng) -> String {
    let tac = IMEI_TACS.choose(rng).copied().unwrap_or(IMEI_TACS[0]);
    let mut digits = String::with_capacity(15);
    digits.push_str(tac);
    let _ = write!(digits, "{:06}", rng.random_range(0..1_000_000));
    let check = luhn_check_digit(&digits);
    let _ = write!(digits, "{check}");
    digits
}

/// A current-format VRM, normalised (upper case, no spaces), e.g. `MA19XYK`.
pub(crate) fn vrm(rng: &mut impl Rng, memory_tags: &[String]) -> String {
    let mut plate = String::with_capacity(7);
    plate.push_str(memory_tags.choose(rng).map_or("LA", String::as_str));
    plate.push_str(AGE_IDENTIFIERS.choose(rng).copied().unwrap_or("19"));
    for _ in 0..3 {
        plate.push(pick_letter(rng, VRM_LETTERS));
    }
    plate
}

/// The inward code of a postcode, e.g. `5TQ`.
pub(crate) fn inward_code(rng: &mut impl Rng) -> String {
    let mut inward = String::with_capacity(3);
    inward.push(char::from(b'0' + rng.random_range(0..10_u8)));
    inward.push(pick_letter(rng, INWARD_LETTERS));
    inward.push(pick_letter(rng, INWARD_LETTERS));
    inward
}

/// A 64-character lower-case hex crime id, as data.police.uk publishes.
pub(crate) fn crime_id(rng: &mut impl Rng) -> String {
    let bytes: [u8; 32] = rng.random();
    let mut hex = String::with_capacity(64);
    for byte in bytes {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// A day in the last three years before the reference date.
pub(crate) fn recent_day(rng: &mut impl Rng) -> i32 {
    REFERENCE_DAY - rng.random_range(0..RECENT_WINDOW_DAYS)
}

/// A date of birth between 1950 and 2010, skewed towards younger adults.
pub(crate) fn dob_day(rng: &mut impl Rng) -> i32 {
    let span = LATEST_DOB_DAY - EARLIEST_DOB_DAY;
    // The larger of two uniform draws skews towards later births (younger people).
    let offset = rng.random_range(0..=span).max(rng.random_range(0..=span));
    EARLIEST_DOB_DAY + offset
}

/// Formats days since the epoch as `YYYY-MM-DD`.
pub(crate) fn iso_date(day: i32) -> String {
    chrono::NaiveDate::from_epoch_days(day).map_or_else(|| day.to_string(), |date| date.to_string())
}

/// Mixes a 64-bit value (SplitMix64 finaliser).
fn mix(value: u64) -> u64 {
    let mut mixed = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    mixed ^ (mixed >> 31)
}

/// A keyed permutation of `0..MOBILE_BLOCK` (Feistel network with cycle walking), so that
/// consecutive row numbers give unrelated-looking but never repeated subscriber numbers.
fn permute_block(index: u64, key: u64) -> u64 {
    let mask = (1_u64 << FEISTEL_HALF_BITS) - 1;
    let mut value = index;
    loop {
        let mut left = value >> FEISTEL_HALF_BITS;
        let mut right = value & mask;
        for round in 0..FEISTEL_ROUNDS {
            let next = left ^ (mix(key ^ (round << 32) ^ right) & mask);
            left = right;
            right = next;
        }
        value = (left << FEISTEL_HALF_BITS) | right;
        if value < MOBILE_BLOCK {
            return value;
        }
    }
}

/// The two-digit prefixes (after `+447`) a region's bulk numbers use: those ending in the
/// region's position, starting with a mobile digit, and never `70` (home of the Ofcom drama
/// range `+447700900xxx`, kept for planted numbers). Regions therefore never share a bulk number.
pub(crate) fn mobile_prefixes(region_position: usize) -> Vec<u64> {
    let last_digit = (region_position % 10) as u64;
    [1_u64, 2, 3, 4, 5, 7, 8, 9]
        .into_iter()
        .map(|first| first * 10 + last_digit)
        .filter(|prefix| *prefix != 70)
        .collect()
}

/// A fictitious, validly formatted UK mobile number `+447` + nine digits for bulk row `index`
/// (0-based): unique within the region for the first `prefixes.len() * 10^7` rows.
pub(crate) fn bulk_msisdn(index: u64, key: u64, prefixes: &[u64]) -> String {
    let block = (index / MOBILE_BLOCK) as usize % prefixes.len().max(1);
    let prefix = prefixes.get(block).copied().unwrap_or(71);
    let subscriber = permute_block(index % MOBILE_BLOCK, key);
    format!("+447{prefix:02}{subscriber:07}")
}

/// A number from the Ofcom drama range for mobiles, `+447700900000` to `+447700900999`.
pub(crate) fn drama_msisdn(number: u32) -> String {
    format!("+447700900{:03}", number % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::stream;
    use std::collections::HashSet;

    #[test]
    fn imeis_have_valid_luhn_digits() {
        assert_eq!(luhn_check_digit("49015420323751"), 8);
        assert!(luhn_valid("490154203237518"));
        assert!(!luhn_valid("490154203237519"));
        let mut rng = stream(1, &["imei"]);
        for _ in 0..200 {
            let number = imei(&mut rng);
            assert_eq!(number.len(), 15);
            assert!(luhn_valid(&number), "{number}");
        }
    }

    #[test]
    fn pnc_ids_and_vrms_are_well_formed() {
        let mut rng = stream(1, &["formats"]);
        let tags = vec!["MA".to_owned()];
        for _ in 0..200 {
            let pnc = pnc_id(&mut rng);
            assert_eq!(pnc.len(), 11, "{pnc}");
            assert_eq!(&pnc[2..3], "/");
            let number: u64 = format!("{}{}", &pnc[..2], &pnc[3..10]).parse().unwrap();
            assert_eq!(pnc.as_bytes()[10], PNC_CHECK_CHARACTERS[(number % 23) as usize]);
            let plate = vrm(&mut rng, &tags);
            assert_eq!(plate.len(), 7);
            assert!(plate.starts_with("MA"));
            assert!(AGE_IDENTIFIERS.contains(&&plate[2..4]));
            assert!(plate[4..].chars().all(|letter| letter.is_ascii_uppercase() && !"IQZ".contains(letter)));
        }
    }

    #[test]
    fn bulk_numbers_are_unique_and_outside_the_drama_range() {
        let prefixes = mobile_prefixes(0);
        assert!(!prefixes.contains(&70));
        let mut seen = HashSet::new();
        for index in 0..50_000 {
            let number = bulk_msisdn(index, 99, &prefixes);
            assert_eq!(number.len(), 13, "{number}");
            assert!(number.starts_with("+447"));
            assert!(!number.starts_with("+447700900"));
            assert!(seen.insert(number));
        }
        assert_eq!(drama_msisdn(7), "+447700900007");
    }

    #[test]
    fn reference_dates_are_right() {
        assert_eq!(iso_date(REFERENCE_DAY), "2025-06-30");
        assert_eq!(iso_date(EARLIEST_DOB_DAY), "1950-01-01");
        assert_eq!(iso_date(LATEST_DOB_DAY), "2010-12-31");
    }
}
