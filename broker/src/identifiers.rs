//! Normalising the identifiers of a hit/no-hit check before any region is asked, so that every
//! region compares the same canonical form, and an identifier that cannot be valid is refused
//! with a reason (`INVALID_ARGUMENT`).

use toex_common::identifiers::MAX_IDENTIFIER_BYTES;
use toex_proto::v1::{Identifier, IdentifierKind};

/// The canonical form of `identifier`, or why it cannot be valid.
pub fn normalise_identifier(identifier: &Identifier) -> Result<Identifier, String> {
    let kind = IdentifierKind::try_from(identifier.kind).map_err(|_| "unknown identifier kind".to_owned())?;
    if identifier.value.len() > MAX_IDENTIFIER_BYTES {
        return Err(format!("identifier is longer than {MAX_IDENTIFIER_BYTES} bytes"));
    }
    let value = match kind {
        IdentifierKind::Phone => {
            toex_matching::phone::normalise(&identifier.value).map_err(|error| error.to_string())?.to_string()
        }
        IdentifierKind::Vehicle => {
            toex_matching::vrm::normalise(&identifier.value).map_err(|error| error.to_string())?.to_string()
        }
        IdentifierKind::Postcode => {
            toex_matching::postcode::normalise(&identifier.value).map_err(|error| error.to_string())?.to_string()
        }
        IdentifierKind::Person => normalise_pnc_id(&identifier.value)?,
        IdentifierKind::Unspecified => return Err("identifier kind is not specified".to_owned()),
    };
    Ok(Identifier { kind: kind as i32, value })
}

/// A Police National Computer id: `YY/NNNNNNNA` or `YYYY/NNNNNNNA`, upper case.
fn normalise_pnc_id(raw: &str) -> Result<String, String> {
    let value = raw.trim().to_ascii_uppercase();
    let Some((year, rest)) = value.split_once('/') else {
        return Err("a PNC id looks like 2019/0123456A (year, slash, digits, check letter)".to_owned());
    };
    let (digits, check) = rest.split_at(rest.len().saturating_sub(1));
    let valid = matches!(year.len(), 2 | 4)
        && year.bytes().all(|byte| byte.is_ascii_digit())
        && (1..=7).contains(&digits.len())
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && check.bytes().all(|byte| byte.is_ascii_uppercase());
    if !valid {
        return Err("a PNC id looks like 2019/0123456A (year, slash, digits, check letter)".to_owned());
    }
    Ok(value)
}
