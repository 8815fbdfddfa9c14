//! What an entity search asks for, checked the same way at the hub (which refuses a bad search
//! with `INVALID_ARGUMENT` before any region is asked) and at the node (which checks again): the
//! values looked up after normalisation, the person criteria, the threshold and the limit.

use toex_matching::{DobQuery, Gender, PersonQuery};
use toex_proto::v1::{PersonCriteria, SearchKind, SearchedValue};

use crate::identifiers::MAX_IDENTIFIER_BYTES;

/// Matches returned per region when the caller does not say.
pub const DEFAULT_SEARCH_LIMIT: usize = 20;
/// The most matches a caller may ask for per region.
pub const MAX_SEARCH_LIMIT: usize = 200;
/// The longest name or OCG text accepted, in bytes.
pub const MAX_SEARCH_TEXT_BYTES: usize = 256;

/// A person recorded as vulnerable was released.
pub const VULNERABLE_PERSON: &str = crate::release::VULNERABLE_PERSON;
/// A person recorded as a victim was released.
pub const VICTIM_OF_EXPLOITATION: &str = crate::release::VICTIM_OF_EXPLOITATION;
/// An address recorded as cuckooed (taken over to deal from) was released.
pub const CUCKOOED_ADDRESS: &str = "CUCKOOED_ADDRESS";

/// The table whose records a search of `kind` matches.
pub fn primary_table(kind: SearchKind) -> Option<&'static str> {
    Some(match kind {
        SearchKind::Person => "persons",
        SearchKind::Phone => "phones",
        SearchKind::Vehicle => "vehicles",
        SearchKind::Address => "addresses",
        SearchKind::Ocg => "ocgs",
        SearchKind::Unspecified => return None,
    })
}

/// Every table a search may read: the matched table and those its links come from.
pub const SEARCH_TABLES: [&str; 7] =
    ["persons", "phones", "vehicles", "addresses", "ocgs", "ocg_members", "intel_reports"];

/// Lower-case name of a kind, as the CLI and the audit trail write it.
pub fn search_kind_name(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Person => "person",
        SearchKind::Phone => "phone",
        SearchKind::Vehicle => "vehicle",
        SearchKind::Address => "address",
        SearchKind::Ocg => "ocg",
        SearchKind::Unspecified => "unspecified",
    }
}

/// The values a search of `kind` for `raw` looks up: the normalised value first, then (for a
/// vehicle) each alternative reading with the reason it is searched. Refuses a value that cannot
/// be valid, saying why.
pub fn searched_values(kind: SearchKind, raw: &str) -> Result<Vec<SearchedValue>, String> {
    if raw.len() > MAX_SEARCH_TEXT_BYTES {
        return Err(format!("value is longer than {MAX_SEARCH_TEXT_BYTES} bytes"));
    }
    let given = |value: String| SearchedValue { value, reason: String::new() };
    match kind {
        SearchKind::Phone => {
            let number = toex_matching::normalise_phone(raw).map_err(|error| error.to_string())?;
            Ok(vec![given(number.to_string())])
        }
        SearchKind::Vehicle => {
            let marks = toex_matching::search_marks(raw).map_err(|error| error.to_string())?;
            let mut values = vec![given(marks.primary.to_string())];
            values.extend(marks.alternatives.iter().map(|alternative| SearchedValue {
                value: alternative.mark.to_string(),
                reason: format!(
                    "possible misreading of {}: {}",
                    marks.primary,
                    alternative
                        .substitutions
                        .iter()
                        .map(|change| format!("{} read as {}", change.reading, change.given))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }));
            Ok(values)
        }
        SearchKind::Address => {
            let postcode = toex_matching::normalise_postcode(raw).map_err(|error| error.to_string())?;
            Ok(vec![given(postcode.to_string())])
        }
        SearchKind::Ocg => {
            let text = fold_text(raw);
            if text.is_empty() {
                return Err("an OCG search needs a national reference or a name".to_owned());
            }
            Ok(vec![given(text)])
        }
        SearchKind::Person => Err("a person search gives a surname, not a value".to_owned()),
        SearchKind::Unspecified => Err("search kind is not specified".to_owned()),
    }
}

/// Lower case with single spaces: how OCG names and references are compared.
pub fn fold_text(raw: &str) -> String {
    raw.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// The person search described by `criteria`, or why it cannot be run.
pub fn person_query(criteria: &PersonCriteria) -> Result<PersonQuery, String> {
    for (name, text) in [("surname", &criteria.surname), ("forenames", &criteria.forenames)] {
        if text.len() > MAX_SEARCH_TEXT_BYTES {
            return Err(format!("person.{name} is longer than {MAX_SEARCH_TEXT_BYTES} bytes"));
        }
    }
    let mut query =
        PersonQuery::new(&criteria.surname, &criteria.forenames).map_err(|error| format!("person.surname: {error}"))?;
    if !criteria.dob.trim().is_empty() {
        let dob = DobQuery::parse(&criteria.dob).map_err(|error| format!("person.dob: {error}"))?;
        query = query.with_dob(dob);
    }
    match criteria.gender.trim() {
        "" => {}
        code => {
            let gender = Gender::from_code(code)
                .ok_or_else(|| format!("person.gender: '{code}' is not M or F (leave it empty when unknown)"))?;
            query = query.with_gender(gender);
        }
    }
    Ok(query)
}

/// The score threshold asked for: 0 means the default; otherwise it must be in (0, 1].
pub fn threshold(requested: f64) -> Result<f64, String> {
    if requested == 0.0 {
        return Ok(toex_matching::DEFAULT_THRESHOLD);
    }
    if !(requested > 0.0 && requested <= 1.0) {
        return Err(format!("threshold {requested} is outside (0, 1]"));
    }
    Ok(requested)
}

/// The per-region limit asked for: 0 means the default; at most [`MAX_SEARCH_LIMIT`].
pub fn limit(requested: u32) -> Result<usize, String> {
    match usize::try_from(requested).unwrap_or(usize::MAX) {
        0 => Ok(DEFAULT_SEARCH_LIMIT),
        asked if asked <= MAX_SEARCH_LIMIT => Ok(asked),
        asked => Err(format!("limit {asked} is above the most allowed, {MAX_SEARCH_LIMIT}")),
    }
}

/// Refuses a node request whose values are not what the hub would have sent.
pub fn check_values(kind: SearchKind, values: &[SearchedValue]) -> Result<(), String> {
    if kind == SearchKind::Person {
        return Ok(());
    }
    if values.is_empty() {
        return Err("values: give at least one value to look up".to_owned());
    }
    match values.iter().find(|value| value.value.len() > MAX_IDENTIFIER_BYTES.max(MAX_SEARCH_TEXT_BYTES)) {
        Some(_) => Err("values: a value is too long".to_owned()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_formats_normalise_to_one_value() {
        for raw in ["07700 900123", "+44 7700 900123", "447700900123", "(07700) 900-123"] {
            let values = searched_values(SearchKind::Phone, raw).unwrap();
            assert_eq!(values.len(), 1, "{raw}");
            assert_eq!(values[0].value, "+447700900123", "{raw}");
        }
    }

    #[test]
    fn vehicle_alternatives_are_flagged_after_the_mark_given() {
        let values = searched_values(SearchKind::Vehicle, "ab12 cde").unwrap();
        assert_eq!(values[0].value, "AB12CDE");
        assert!(values[0].reason.is_empty());
        assert!(values.len() > 1, "confusable characters give alternatives");
        assert!(values[1..].iter().all(|value| value.reason.starts_with("possible misreading of AB12CDE")));
    }

    #[test]
    fn impossible_values_are_refused_with_a_reason() {
        for (kind, raw) in [
            (SearchKind::Phone, "12345"),
            (SearchKind::Vehicle, "!!!"),
            (SearchKind::Address, "NOT A POSTCODE"),
            (SearchKind::Ocg, "   "),
            (SearchKind::Unspecified, "x"),
        ] {
            let error = searched_values(kind, raw).unwrap_err();
            assert!(!error.is_empty(), "{kind:?} {raw}");
        }
        assert!(searched_values(SearchKind::Ocg, &"x".repeat(MAX_SEARCH_TEXT_BYTES + 1)).is_err());
    }

    #[test]
    fn person_criteria_are_checked_field_by_field() {
        let criteria = |surname: &str, dob: &str, gender: &str| PersonCriteria {
            surname: surname.to_owned(),
            forenames: "John".to_owned(),
            dob: dob.to_owned(),
            gender: gender.to_owned(),
        };
        assert!(person_query(&criteria("Smith", "1990", "M")).is_ok());
        assert!(person_query(&criteria("Smith", "1990-01-01..1991-12-31", "")).is_ok());
        assert!(person_query(&criteria("", "", "")).unwrap_err().starts_with("person.surname"));
        assert!(person_query(&criteria("Smith", "born 1990", "")).unwrap_err().starts_with("person.dob"));
        assert!(person_query(&criteria("Smith", "1990-13", "")).unwrap_err().starts_with("person.dob"));
        assert!(person_query(&criteria("Smith", "", "X")).unwrap_err().starts_with("person.gender"));
    }

    #[test]
    fn threshold_and_limit_have_defaults_and_bounds() {
        assert_eq!(threshold(0.0).unwrap(), toex_matching::DEFAULT_THRESHOLD);
        assert_eq!(threshold(0.9).unwrap(), 0.9);
        assert!(threshold(1.5).is_err() && threshold(-0.1).is_err() && threshold(f64::NAN).is_err());
        assert_eq!(limit(0).unwrap(), DEFAULT_SEARCH_LIMIT);
        assert_eq!(limit(200).unwrap(), 200);
        assert!(limit(201).is_err());
    }
}
