//! The shapes a UK vehicle registration mark can take, and the letters and numbers each shape
//! allows: current (`AB12 CDE`, 2001-), prefix (`A123 BCD`, 1983-2001), suffix (`ABC 123D`,
//! 1963-1983) and dateless (`1234 AB`, `AB 1234`, including Northern Ireland's `ABZ 1234`).

/// Letters that start a current-format memory tag: the DVLA's region letters, plus `X` for
/// personal-export vehicles. `I`, `J`, `Q`, `T`, `U` and `Z` start no memory tag.
const CURRENT_REGION_LETTERS: &[u8] = b"ABCDEFGHKLMNOPRSVWXY";
/// Letters never used as the second letter of a current-format memory tag.
const CURRENT_EXCLUDED_TAG_LETTERS: &[u8] = b"IQZ";
/// Letters never used in the three letters of a current, prefix or suffix mark (too easily
/// misread as 1 and 0).
const EXCLUDED_SERIAL_LETTERS: &[u8] = b"IQ";
/// The age identifier the current scheme never issued: it began in September 2001 with `51`,
/// and March identifiers (the year's last two digits) began with `02`.
const NEVER_ISSUED_AGE_IDENTIFIER: &[u8] = b"01";
/// Letters never used as the year letter of a prefix mark. `Q` is allowed: it marks vehicles of
/// uncertain age or identity (`Q123 ABC`).
const PREFIX_EXCLUDED_YEAR_LETTERS: &[u8] = b"IOUZ";
/// Letters never used as the year letter of a suffix mark.
const SUFFIX_EXCLUDED_YEAR_LETTERS: &[u8] = b"IOQUZ";
/// Most digits in the serial number of a prefix or suffix mark (1 to 999).
const MAX_DATED_SERIAL_DIGITS: usize = 3;
/// Most digits in the number of a dateless mark (1 to 9999).
const MAX_DATELESS_DIGITS: usize = 4;
/// Most letters in a dateless mark.
const MAX_DATELESS_LETTERS: usize = 3;
/// Letters in the memory tag of a current mark.
const CURRENT_TAG_LETTERS: usize = 2;
/// Digits in the age identifier of a current mark.
const CURRENT_AGE_DIGITS: usize = 2;
/// Letters in the age indicator of a prefix or suffix mark.
const YEAR_LETTERS: usize = 1;
/// Letters after the number in current and prefix marks, and before it in suffix marks.
const SERIAL_LETTERS: usize = 3;

/// Which scheme a registration mark belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VrmFormat {
    /// `AB12 CDE`: memory tag, age identifier, three random letters (September 2001 onwards).
    Current,
    /// `A123 BCD`: year letter, serial number, three letters (1983 to 2001; also `Q` plates).
    Prefix,
    /// `ABC 123D`: three letters, serial number, year letter (1963 to 1983).
    Suffix,
    /// `1234 AB` or `AB 1234`: letters and a number with no age indicator (before 1963, cherished
    /// transfers, and Northern Ireland).
    Dateless,
}

/// A maximal run of letters or of digits inside a mark.
#[derive(Debug, Clone, Copy)]
struct Run<'a> {
    letters: bool,
    text: &'a [u8],
}

/// Splits a normalised mark (upper-case ASCII letters and digits only) into runs.
fn runs(mark: &[u8]) -> Vec<Run<'_>> {
    let mut found: Vec<Run<'_>> = Vec::with_capacity(3);
    let mut start = 0;
    for index in 1..=mark.len() {
        let boundary = index == mark.len() || mark[index].is_ascii_alphabetic() != mark[start].is_ascii_alphabetic();
        if boundary {
            found.push(Run { letters: mark[start].is_ascii_alphabetic(), text: &mark[start..index] });
            start = index;
        }
    }
    found
}

/// True when none of `letters` is in `excluded`.
fn avoids(letters: &[u8], excluded: &[u8]) -> bool {
    letters.iter().all(|letter| !excluded.contains(letter))
}

/// A serial number of one to `max_digits` digits that does not start with 0.
fn is_serial(digits: &[u8], max_digits: usize) -> bool {
    (1..=max_digits).contains(&digits.len()) && digits.first() != Some(&b'0')
}

/// The scheme a normalised mark belongs to, or `None` when it fits none (an impossible mark).
/// When a mark fits more than one shape the newest scheme is named.
pub(crate) fn detect(mark: &str) -> Option<VrmFormat> {
    let bytes = mark.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit()) {
        return None;
    }
    match runs(bytes).as_slice() {
        [tag, age, serial] if is_current(tag, age, serial) => Some(VrmFormat::Current),
        [year, number, serial] if is_prefix(year, number, serial) => Some(VrmFormat::Prefix),
        [serial, number, year] if is_suffix(serial, number, year) => Some(VrmFormat::Suffix),
        [first, second] if is_dateless(first, second) => Some(VrmFormat::Dateless),
        _ => None,
    }
}

fn is_current(tag: &Run<'_>, age: &Run<'_>, serial: &Run<'_>) -> bool {
    tag.letters
        && tag.text.len() == CURRENT_TAG_LETTERS
        && CURRENT_REGION_LETTERS.contains(&tag.text[0])
        && !CURRENT_EXCLUDED_TAG_LETTERS.contains(&tag.text[1])
        && !age.letters
        && age.text.len() == CURRENT_AGE_DIGITS
        && age.text != NEVER_ISSUED_AGE_IDENTIFIER
        && serial.letters
        && serial.text.len() == SERIAL_LETTERS
        && avoids(serial.text, EXCLUDED_SERIAL_LETTERS)
}

fn is_prefix(year: &Run<'_>, number: &Run<'_>, serial: &Run<'_>) -> bool {
    year.letters
        && year.text.len() == YEAR_LETTERS
        && avoids(year.text, PREFIX_EXCLUDED_YEAR_LETTERS)
        && !number.letters
        && is_serial(number.text, MAX_DATED_SERIAL_DIGITS)
        && serial.letters
        && serial.text.len() == SERIAL_LETTERS
        && avoids(serial.text, EXCLUDED_SERIAL_LETTERS)
}

fn is_suffix(serial: &Run<'_>, number: &Run<'_>, year: &Run<'_>) -> bool {
    serial.letters
        && serial.text.len() == SERIAL_LETTERS
        && avoids(serial.text, EXCLUDED_SERIAL_LETTERS)
        && !number.letters
        && is_serial(number.text, MAX_DATED_SERIAL_DIGITS)
        && year.letters
        && year.text.len() == YEAR_LETTERS
        && avoids(year.text, SUFFIX_EXCLUDED_YEAR_LETTERS)
}

fn is_dateless(first: &Run<'_>, second: &Run<'_>) -> bool {
    let (letters, digits) = if first.letters { (first, second) } else { (second, first) };
    letters.letters
        && !digits.letters
        && (1..=MAX_DATELESS_LETTERS).contains(&letters.text.len())
        && is_serial(digits.text, MAX_DATELESS_DIGITS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_is_recognised_and_near_misses_are_not() {
        assert_eq!(detect("AB12CDE"), Some(VrmFormat::Current));
        assert_eq!(detect("A123BCD"), Some(VrmFormat::Prefix));
        assert_eq!(detect("ABC123D"), Some(VrmFormat::Suffix));
        assert_eq!(detect("AB1234"), Some(VrmFormat::Dateless));
        assert_eq!(detect("1234AB"), Some(VrmFormat::Dateless));
        assert_eq!(detect("AB01CDE"), None, "01 was never issued");
        assert_eq!(detect("IB12CDE"), None, "no memory tag starts with I");
        assert_eq!(detect("AB12CQE"), None, "Q is never a serial letter");
        assert_eq!(detect("A012BCD"), None, "serial numbers have no leading zero");
        assert_eq!(detect("ABC123O"), None, "O was never a year letter");
        assert_eq!(detect("AB12345"), None, "dateless numbers have at most four digits");
    }
}
