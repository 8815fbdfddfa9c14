//! One row of a data.police.uk street-level crime CSV: the published header, the parsing of a
//! record into typed fields, and the reasons a row can be rejected. Rows are kept exactly as
//! published (no crime id, no coordinates, duplicates, locations outside the force area); only
//! rows that cannot be represented faithfully are rejected.

use std::fmt;

use csv::StringRecord;
use toex_common::regions::region_of_force;

/// The header of every street-level crime CSV, as data.police.uk publishes it.
pub const POLICE_UK_HEADER: [&str; 12] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
];

/// Column positions in [`POLICE_UK_HEADER`].
mod column {
    pub const CRIME_ID: usize = 0;
    pub const MONTH: usize = 1;
    pub const REPORTED_BY: usize = 2;
    pub const FALLS_WITHIN: usize = 3;
    pub const LONGITUDE: usize = 4;
    pub const LATITUDE: usize = 5;
    pub const LOCATION: usize = 6;
    pub const LSOA_CODE: usize = 7;
    pub const LSOA_NAME: usize = 8;
    pub const CRIME_TYPE: usize = 9;
    pub const LAST_OUTCOME: usize = 10;
    pub const CONTEXT: usize = 11;
}

/// Why a row of a street-level CSV was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The row does not have one field per header column.
    FieldCount { found: usize, expected: usize },
    /// A coordinate is present but not a finite number within its range.
    InvalidCoordinate { column: &'static str, value: String },
    /// The month is not `YYYY-MM`.
    BadMonth { value: String },
    /// "Falls within" names no force of any region.
    UnknownForce { force: String },
    /// A column that is always published is empty.
    MissingValue { column: &'static str },
    /// The row is not valid UTF-8.
    InvalidUtf8,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FieldCount { found, expected } => {
                write!(formatter, "{found} fields, expected {expected}")
            }
            Self::InvalidCoordinate { column, value } => {
                write!(formatter, "{column} {value:?} is not a valid coordinate")
            }
            Self::BadMonth { value } => write!(formatter, "month {value:?} is not YYYY-MM"),
            Self::UnknownForce { force } => {
                write!(formatter, "\"Falls within\" {force:?} is not a force of any region")
            }
            Self::MissingValue { column } => write!(formatter, "{column} is empty"),
            Self::InvalidUtf8 => formatter.write_str("not valid UTF-8"),
        }
    }
}

/// A parsed street-level row, borrowing its text from the CSV record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CrimeRow<'r> {
    pub region: &'static str,
    pub crime_id: Option<&'r str>,
    pub month: &'r str,
    pub reported_by: &'r str,
    pub falls_within: &'r str,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub location: &'r str,
    pub lsoa_code: Option<&'r str>,
    pub lsoa_name: Option<&'r str>,
    pub crime_type: &'r str,
    pub last_outcome_category: Option<&'r str>,
    pub context: Option<&'r str>,
}

/// Whether a header is the published street-level header (surrounding spaces ignored).
pub(crate) fn is_police_uk_header(header: &StringRecord) -> bool {
    header.len() == POLICE_UK_HEADER.len()
        && header.iter().zip(POLICE_UK_HEADER).all(|(found, expected)| found.trim() == expected)
}

/// Parses one record, or says why it cannot be imported.
pub(crate) fn parse_crime_row(record: &StringRecord) -> Result<CrimeRow<'_>, RejectReason> {
    if record.len() != POLICE_UK_HEADER.len() {
        return Err(RejectReason::FieldCount { found: record.len(), expected: POLICE_UK_HEADER.len() });
    }
    let field = |index: usize| {
        let value = record.get(index).unwrap_or_default();
        // The last field of a `\r\n`-terminated line still ends in `\r` (see the CSV reader).
        if index == column::CONTEXT { value.strip_suffix('\r').unwrap_or(value) } else { value }
    };
    let optional = |index: usize| Some(field(index)).filter(|value| !value.trim().is_empty());
    let required = |index: usize| optional(index).ok_or(RejectReason::MissingValue { column: POLICE_UK_HEADER[index] });

    let falls_within = field(column::FALLS_WITHIN);
    let Some(region) = region_of_force(falls_within) else {
        return Err(RejectReason::UnknownForce { force: falls_within.to_owned() });
    };
    let month = field(column::MONTH);
    if !is_year_month(month) {
        return Err(RejectReason::BadMonth { value: month.to_owned() });
    }
    Ok(CrimeRow {
        region: region.code,
        crime_id: optional(column::CRIME_ID),
        month,
        reported_by: required(column::REPORTED_BY)?,
        falls_within,
        longitude: coordinate(optional(column::LONGITUDE), column::LONGITUDE, MAX_LONGITUDE)?,
        latitude: coordinate(optional(column::LATITUDE), column::LATITUDE, MAX_LATITUDE)?,
        location: required(column::LOCATION)?,
        lsoa_code: optional(column::LSOA_CODE),
        lsoa_name: optional(column::LSOA_NAME),
        crime_type: required(column::CRIME_TYPE)?,
        last_outcome_category: optional(column::LAST_OUTCOME),
        context: optional(column::CONTEXT),
    })
}

/// Largest absolute longitude, in degrees.
const MAX_LONGITUDE: f64 = 180.0;
/// Largest absolute latitude, in degrees.
const MAX_LATITUDE: f64 = 90.0;

fn coordinate(text: Option<&str>, index: usize, max_abs: f64) -> Result<Option<f64>, RejectReason> {
    let Some(text) = text else { return Ok(None) };
    let invalid = || RejectReason::InvalidCoordinate { column: POLICE_UK_HEADER[index], value: text.to_owned() };
    let value: f64 = text.trim().parse().map_err(|_| invalid())?;
    if !value.is_finite() || value.abs() > max_abs {
        return Err(invalid());
    }
    Ok(Some(value))
}

/// `YYYY-MM` with a month from 01 to 12.
fn is_year_month(text: &str) -> bool {
    let bytes = text.as_bytes();
    let [y1, y2, y3, y4, b'-', m1, m2] = bytes else {
        return false;
    };
    if ![y1, y2, y3, y4, m1, m2].iter().all(|byte| byte.is_ascii_digit()) {
        return false;
    }
    let month = (m1 - b'0') * 10 + (m2 - b'0');
    (1..=12).contains(&month)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> StringRecord {
        StringRecord::from(fields.to_vec())
    }

    const GOOD: [&str; 12] = [
        "abc",
        "2024-01",
        "Merseyside Police",
        "Merseyside Police",
        "-2.98",
        "53.40",
        "On or near Bold Street",
        "E01006512",
        "Liverpool 060A",
        "Burglary",
        "",
        "",
    ];

    #[test]
    fn a_published_row_parses_with_nulls_for_blanks() {
        let good = record(&GOOD);
        let row = parse_crime_row(&good).expect("valid row");
        assert_eq!(row.region, "NWROCU");
        assert_eq!(row.crime_id, Some("abc"));
        assert_eq!(row.longitude, Some(-2.98));
        assert_eq!(row.last_outcome_category, None);
        assert_eq!(row.context, None);
    }

    #[test]
    fn bad_rows_say_why() {
        let mut fields = GOOD;
        fields[1] = "2024-13";
        assert_eq!(parse_crime_row(&record(&fields)), Err(RejectReason::BadMonth { value: "2024-13".into() }));
        let mut fields = GOOD;
        fields[4] = "NaN";
        assert!(matches!(
            parse_crime_row(&record(&fields)),
            Err(RejectReason::InvalidCoordinate { column: "Longitude", .. })
        ));
        let mut fields = GOOD;
        fields[3] = "Police Scotland";
        assert!(matches!(parse_crime_row(&record(&fields)), Err(RejectReason::UnknownForce { .. })));
        let mut fields = GOOD;
        fields[9] = "";
        assert_eq!(parse_crime_row(&record(&fields)), Err(RejectReason::MissingValue { column: "Crime type" }));
        assert_eq!(parse_crime_row(&record(&GOOD[..11])), Err(RejectReason::FieldCount { found: 11, expected: 12 }));
    }

    #[test]
    fn the_carriage_return_of_a_crlf_line_is_not_data() {
        let mut fields = GOOD;
        fields[11] = "\r";
        assert_eq!(parse_crime_row(&record(&fields)).expect("valid row").context, None);
        fields[11] = "On a train\r";
        assert_eq!(parse_crime_row(&record(&fields)).expect("valid row").context, Some("On a train"));
    }

    #[test]
    fn months_are_checked() {
        assert!(is_year_month("2024-12"));
        assert!(!is_year_month("2024-00"));
        assert!(!is_year_month("2024/01"));
        assert!(!is_year_month("24-01"));
        assert!(!is_year_month("2024-1a"));
    }
}
