//! Why a caller is asking: every data request carries a justification and a case or operation
//! reference (DESIGN §5, threat catalogue items 43 and 44). Validation trims the justification,
//! counts characters (not bytes), refuses control characters (they would forge lines in audit
//! logs) and checks the case reference against a documented pattern. Errors name the field; the
//! hub maps them to `INVALID_ARGUMENT` before anything is fanned out.

use serde::{Deserialize, Serialize};

/// The shortest justification accepted, in characters after trimming.
pub const MIN_JUSTIFICATION_CHARS: usize = 20;
/// The longest justification accepted, in characters after trimming.
pub const MAX_JUSTIFICATION_CHARS: usize = 2000;
/// The shortest case reference accepted.
pub const MIN_CASE_REFERENCE_CHARS: usize = 3;
/// The longest case reference accepted.
pub const MAX_CASE_REFERENCE_CHARS: usize = 64;

/// A stated purpose: free-text justification plus a case or operation reference.
///
/// Case reference pattern: `^[A-Z0-9][A-Z0-9/_-]{2,63}$`, that is 3 to 64 characters of
/// upper-case letters, digits, `-`, `/` and `_`, starting with a letter or digit
/// (e.g. `OP-KESTREL-2026-014`, `NWROCU/2026/0042`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    /// Why the search is needed, at least [`MIN_JUSTIFICATION_CHARS`] characters.
    pub justification: String,
    /// The case or operation this search belongs to.
    pub case_reference: String,
}

/// Why a purpose was refused; the message names the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PurposeError {
    /// No justification, or only whitespace.
    #[error("purpose.justification is required")]
    JustificationMissing,
    /// Shorter than [`MIN_JUSTIFICATION_CHARS`] after trimming.
    #[error("purpose.justification has {actual} characters; at least {min} are required")]
    JustificationTooShort {
        /// Characters after trimming.
        actual: usize,
        /// [`MIN_JUSTIFICATION_CHARS`].
        min: usize,
    },
    /// Longer than [`MAX_JUSTIFICATION_CHARS`] after trimming.
    #[error("purpose.justification has {actual} characters; at most {max} are allowed")]
    JustificationTooLong {
        /// Characters after trimming.
        actual: usize,
        /// [`MAX_JUSTIFICATION_CHARS`].
        max: usize,
    },
    /// Contains control characters such as newlines.
    #[error("purpose.justification must not contain control characters")]
    JustificationControlCharacters,
    /// No case reference, or only whitespace.
    #[error("purpose.case_reference is required")]
    CaseReferenceMissing,
    /// Does not match the case reference pattern.
    #[error("purpose.case_reference must be 3 to 64 characters of A-Z, 0-9, '-', '/' or '_', starting with A-Z or 0-9")]
    CaseReferenceInvalid,
}

impl PurposeError {
    /// The name of the offending field, as in the `toex.v1.Purpose` message.
    pub fn field(self) -> &'static str {
        match self {
            Self::JustificationMissing
            | Self::JustificationTooShort { .. }
            | Self::JustificationTooLong { .. }
            | Self::JustificationControlCharacters => "justification",
            Self::CaseReferenceMissing | Self::CaseReferenceInvalid => "case_reference",
        }
    }
}

impl Purpose {
    /// Validates and normalises a purpose: both fields are trimmed, then checked.
    pub fn parse(justification: &str, case_reference: &str) -> Result<Self, PurposeError> {
        let purpose =
            Self { justification: justification.trim().to_owned(), case_reference: case_reference.trim().to_owned() };
        purpose.validate()?;
        Ok(purpose)
    }

    /// Checks both fields (the justification is measured after trimming).
    pub fn validate(&self) -> Result<(), PurposeError> {
        validate_justification(&self.justification)?;
        validate_case_reference(self.case_reference.trim())
    }
}

fn validate_justification(raw: &str) -> Result<(), PurposeError> {
    let justification = raw.trim();
    if justification.is_empty() {
        return Err(PurposeError::JustificationMissing);
    }
    if justification.chars().any(char::is_control) {
        return Err(PurposeError::JustificationControlCharacters);
    }
    let actual = justification.chars().count();
    if actual < MIN_JUSTIFICATION_CHARS {
        return Err(PurposeError::JustificationTooShort { actual, min: MIN_JUSTIFICATION_CHARS });
    }
    if actual > MAX_JUSTIFICATION_CHARS {
        return Err(PurposeError::JustificationTooLong { actual, max: MAX_JUSTIFICATION_CHARS });
    }
    Ok(())
}

fn validate_case_reference(reference: &str) -> Result<(), PurposeError> {
    if reference.is_empty() {
        return Err(PurposeError::CaseReferenceMissing);
    }
    let length = reference.chars().count();
    let mut characters = reference.chars();
    let starts_well = characters.next().is_some_and(|first| first.is_ascii_uppercase() || first.is_ascii_digit());
    let rest_allowed = characters
        .all(|character| character.is_ascii_uppercase() || character.is_ascii_digit() || "-/_".contains(character));
    let length_allowed = (MIN_CASE_REFERENCE_CHARS..=MAX_CASE_REFERENCE_CHARS).contains(&length);
    if starts_well && rest_allowed && length_allowed {
        return Ok(());
    }
    Err(PurposeError::CaseReferenceInvalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_JUSTIFICATION: &str = "Tracing deal line linked to missing child";

    #[test]
    fn purpose_validation_table() {
        let exactly_min = "a".repeat(MIN_JUSTIFICATION_CHARS);
        let one_short = "a".repeat(MIN_JUSTIFICATION_CHARS - 1);
        let padded_short = format!("   {one_short}   ");
        let too_long = "a".repeat(MAX_JUSTIFICATION_CHARS + 1);
        let exactly_max = "a".repeat(MAX_JUSTIFICATION_CHARS);
        // 19 two-byte characters: 38 bytes, still too short because characters are counted.
        let multibyte_short = "é".repeat(MIN_JUSTIFICATION_CHARS - 1);
        let longest_reference = format!("A{}", "9".repeat(MAX_CASE_REFERENCE_CHARS - 1));
        let overlong_reference = format!("A{}", "9".repeat(MAX_CASE_REFERENCE_CHARS));
        let cases: Vec<(&str, &str, Result<(), PurposeError>)> = vec![
            (GOOD_JUSTIFICATION, "OP-KESTREL-2026-014", Ok(())),
            (GOOD_JUSTIFICATION, "NWROCU/2026/0042", Ok(())),
            (GOOD_JUSTIFICATION, "9_A", Ok(())),
            (&exactly_min, "OP1", Ok(())),
            (&exactly_max, "OP1", Ok(())),
            (GOOD_JUSTIFICATION, &longest_reference, Ok(())),
            ("", "OP1", Err(PurposeError::JustificationMissing)),
            ("     ", "OP1", Err(PurposeError::JustificationMissing)),
            (&one_short, "OP1", Err(PurposeError::JustificationTooShort { actual: 19, min: 20 })),
            (&padded_short, "OP1", Err(PurposeError::JustificationTooShort { actual: 19, min: 20 })),
            (&multibyte_short, "OP1", Err(PurposeError::JustificationTooShort { actual: 19, min: 20 })),
            (&too_long, "OP1", Err(PurposeError::JustificationTooLong { actual: 2001, max: 2000 })),
            ("looking for a suspect\nFAKE AUDIT LINE", "OP1", Err(PurposeError::JustificationControlCharacters)),
            (GOOD_JUSTIFICATION, "", Err(PurposeError::CaseReferenceMissing)),
            (GOOD_JUSTIFICATION, "   ", Err(PurposeError::CaseReferenceMissing)),
            (GOOD_JUSTIFICATION, "op-kestrel", Err(PurposeError::CaseReferenceInvalid)),
            (GOOD_JUSTIFICATION, "-OP1", Err(PurposeError::CaseReferenceInvalid)),
            (GOOD_JUSTIFICATION, "OP", Err(PurposeError::CaseReferenceInvalid)),
            (GOOD_JUSTIFICATION, "OP 1", Err(PurposeError::CaseReferenceInvalid)),
            (GOOD_JUSTIFICATION, "OP1';--", Err(PurposeError::CaseReferenceInvalid)),
            (GOOD_JUSTIFICATION, &overlong_reference, Err(PurposeError::CaseReferenceInvalid)),
        ];
        for (justification, reference, expected) in cases {
            let actual = Purpose::parse(justification, reference).map(|_| ());
            assert_eq!(actual, expected, "justification {justification:?} reference {reference:?}");
        }
    }

    #[test]
    fn parse_trims_both_fields() {
        let parsed = Purpose::parse(&format!("  {GOOD_JUSTIFICATION}  "), " OP-1 ");
        assert_eq!(
            parsed,
            Ok(Purpose { justification: GOOD_JUSTIFICATION.to_owned(), case_reference: "OP-1".to_owned() })
        );
    }

    #[test]
    fn errors_name_their_field() {
        assert_eq!(PurposeError::JustificationMissing.field(), "justification");
        assert_eq!(PurposeError::CaseReferenceInvalid.field(), "case_reference");
        assert!(PurposeError::CaseReferenceMissing.to_string().contains("purpose.case_reference"));
        assert!(
            PurposeError::JustificationTooShort { actual: 3, min: 20 }.to_string().contains("purpose.justification")
        );
    }
}
