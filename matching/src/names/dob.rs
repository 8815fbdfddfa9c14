//! Date-of-birth criteria of a person search (an exact date, a year, a year and month, or a
//! range) and how a candidate's recorded date of birth measures up: agreement, a near miss that a
//! recording slip explains, a conflict, or nothing recorded.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::evidence::{DobNearMiss, Evidence};

/// Weight of an exact date of birth against the names' weights (see `score`).
pub const EXACT_DOB_WEIGHT: f64 = 0.20;
/// Weight of a year-and-month criterion, or a range of up to [`NARROW_RANGE_DAYS`].
pub const MONTH_DOB_WEIGHT: f64 = 0.15;
/// Weight of a year criterion, or a range of up to [`YEAR_RANGE_DAYS`].
pub const YEAR_DOB_WEIGHT: f64 = 0.10;
/// Weight of a range wider than a year.
pub const WIDE_RANGE_DOB_WEIGHT: f64 = 0.05;
/// Longest range, in days, weighted like a year and month.
pub const NARROW_RANGE_DAYS: i64 = 31;
/// Longest range, in days, weighted like a year.
pub const YEAR_RANGE_DAYS: i64 = 366;
/// Agreement credited for a near miss or an unrecorded date: neither for nor against.
pub const UNCERTAIN_DOB_AGREEMENT: f64 = 0.5;
/// Digits of a year written in a criterion.
const YEAR_DIGITS: usize = 4;
/// Months of the year, numbered from 1.
const MONTHS: std::ops::RangeInclusive<u32> = 1..=12;
/// Separator between the ends of a range written as text: `1985-01-01..1990-12-31`.
const RANGE_SEPARATOR: &str = "..";

/// What a search says about the date of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DobQuery {
    /// Born on this day.
    Exact(NaiveDate),
    /// Born in this year.
    Year(i32),
    /// Born in this month of this year (`month` 1 to 12).
    YearMonth {
        /// Calendar year.
        year: i32,
        /// Month, 1 to 12.
        month: u32,
    },
    /// Born between these days, both included.
    Range {
        /// First day of the range.
        from: NaiveDate,
        /// Last day of the range.
        to: NaiveDate,
    },
}

/// Why a date-of-birth criterion was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DobQueryError {
    /// Not `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `DD/MM/YYYY` or `FROM..TO`.
    #[error("'{text}' is not a date of birth (use YYYY, YYYY-MM, YYYY-MM-DD, DD/MM/YYYY or FROM..TO)")]
    Unreadable {
        /// The text given.
        text: String,
    },
    /// A month outside 1 to 12.
    #[error("there is no month {month}")]
    NoSuchMonth {
        /// The month given.
        month: u32,
    },
    /// A range that ends before it starts.
    #[error("the range {from}..{to} ends before it starts")]
    EmptyRange {
        /// First day given.
        from: NaiveDate,
        /// Last day given.
        to: NaiveDate,
    },
}

impl DobQuery {
    /// Born in `month` of `year`; refuses a month outside 1 to 12.
    pub fn year_month(year: i32, month: u32) -> Result<Self, DobQueryError> {
        if !MONTHS.contains(&month) {
            return Err(DobQueryError::NoSuchMonth { month });
        }
        Ok(Self::YearMonth { year, month })
    }

    /// Born between `from` and `to` inclusive; refuses a range that ends before it starts.
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Self, DobQueryError> {
        if to < from {
            return Err(DobQueryError::EmptyRange { from, to });
        }
        Ok(Self::Range { from, to })
    }

    /// Reads `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `DD/MM/YYYY` or a range `FROM..TO` of full dates.
    pub fn parse(text: &str) -> Result<Self, DobQueryError> {
        let trimmed = text.trim();
        let unreadable = || DobQueryError::Unreadable { text: text.to_owned() };
        if let Some((from, to)) = trimmed.split_once(RANGE_SEPARATOR) {
            let from = parse_date(from.trim()).ok_or_else(unreadable)?;
            let to = parse_date(to.trim()).ok_or_else(unreadable)?;
            return Self::range(from, to);
        }
        if let Some(date) = parse_date(trimmed) {
            return Ok(Self::Exact(date));
        }
        let parts: Vec<&str> = trimmed.split('-').collect();
        let all_digits = |part: &&str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
        match parts.as_slice() {
            [year] if year.len() == YEAR_DIGITS && all_digits(year) => {
                year.parse().map(Self::Year).map_err(|_| unreadable())
            }
            [year, month] if year.len() == YEAR_DIGITS && all_digits(year) && all_digits(month) => {
                let year = year.parse().map_err(|_| unreadable())?;
                let month = month.parse().map_err(|_| unreadable())?;
                Self::year_month(year, month)
            }
            _ => Err(unreadable()),
        }
    }

    /// How much agreement on this criterion weighs against the names.
    fn weight(&self) -> f64 {
        match self {
            Self::Exact(_) => EXACT_DOB_WEIGHT,
            Self::YearMonth { .. } => MONTH_DOB_WEIGHT,
            Self::Year(_) => YEAR_DOB_WEIGHT,
            Self::Range { from, to } => {
                let days = (*to - *from).num_days();
                if days <= NARROW_RANGE_DAYS {
                    MONTH_DOB_WEIGHT
                } else if days <= YEAR_RANGE_DAYS {
                    YEAR_DOB_WEIGHT
                } else {
                    WIDE_RANGE_DOB_WEIGHT
                }
            }
        }
    }
}

impl fmt::Display for DobQuery {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(date) => write!(formatter, "{date}"),
            Self::Year(year) => write!(formatter, "{year:04}"),
            Self::YearMonth { year, month } => write!(formatter, "{year:04}-{month:02}"),
            Self::Range { from, to } => write!(formatter, "{from}{RANGE_SEPARATOR}{to}"),
        }
    }
}

/// `YYYY-MM-DD` or the UK's `DD/MM/YYYY`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y")).ok()
}

/// How a candidate's date of birth measured up to the criterion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DobOutcome {
    /// Weight of the criterion.
    pub weight: f64,
    /// Agreement, 0 to 1.
    pub agreement: f64,
    /// Whether the dates disagree outright.
    pub conflict: bool,
    pub evidence: Evidence,
}

/// Compares a recorded date of birth, if any, with the criterion.
pub(crate) fn compare_dob(query: &DobQuery, candidate: Option<NaiveDate>) -> DobOutcome {
    let weight = query.weight();
    let Some(recorded) = candidate else {
        return DobOutcome {
            weight,
            agreement: UNCERTAIN_DOB_AGREEMENT,
            conflict: false,
            evidence: Evidence::DobMissing,
        };
    };
    let agreed = |evidence| DobOutcome { weight, agreement: 1.0, conflict: false, evidence };
    let conflict = DobOutcome { weight, agreement: 0.0, conflict: true, evidence: Evidence::DobConflict };
    match query {
        DobQuery::Exact(date) if *date == recorded => agreed(Evidence::DobExact),
        DobQuery::Exact(date) => match near_miss(*date, recorded) {
            Some(kind) => DobOutcome {
                weight,
                agreement: UNCERTAIN_DOB_AGREEMENT,
                conflict: false,
                evidence: Evidence::DobNearMiss { kind },
            },
            None => conflict,
        },
        DobQuery::Year(year) if recorded.year() == *year => agreed(Evidence::DobPartial),
        DobQuery::YearMonth { year, month } if recorded.year() == *year && recorded.month() == *month => {
            agreed(Evidence::DobPartial)
        }
        DobQuery::Range { from, to } if (*from..=*to).contains(&recorded) => agreed(Evidence::DobWithinRange),
        _ => conflict,
    }
}

/// True when two numbers, written with the same count of digits, differ in exactly one digit.
fn one_digit_apart(left: u32, right: u32) -> bool {
    let (left_text, right_text) = (format!("{left:02}"), format!("{right:02}"));
    left_text.len() == right_text.len()
        && left_text
            .bytes()
            .zip(right_text.bytes())
            .filter(|(left_digit, right_digit)| left_digit != right_digit)
            .count()
            == 1
}

/// The recording slip that explains two different dates, if one does.
fn near_miss(asked: NaiveDate, recorded: NaiveDate) -> Option<DobNearMiss> {
    let same_year = asked.year() == recorded.year();
    if same_year && asked.day() == recorded.month() && asked.month() == recorded.day() {
        return Some(DobNearMiss::DayMonthSwapped);
    }
    if same_year && asked.month() == recorded.month() && one_digit_apart(asked.day(), recorded.day()) {
        return Some(DobNearMiss::DayDigit);
    }
    if same_year && asked.day() == recorded.day() && one_digit_apart(asked.month(), recorded.month()) {
        return Some(DobNearMiss::MonthDigit);
    }
    let year_gap = (asked.year() - recorded.year()).abs();
    let last_digit_only = asked.year() / 10 == recorded.year() / 10;
    if asked.month() == recorded.month() && asked.day() == recorded.day() && (year_gap == 1 || last_digit_only) {
        return Some(DobNearMiss::YearSlip);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn slips_are_near_misses_and_a_decade_is_a_conflict() {
        let asked = date("1990-03-04");
        assert_eq!(near_miss(asked, date("1990-04-03")), Some(DobNearMiss::DayMonthSwapped));
        assert_eq!(near_miss(asked, date("1990-03-09")), Some(DobNearMiss::DayDigit));
        assert_eq!(near_miss(asked, date("1990-08-04")), Some(DobNearMiss::MonthDigit));
        assert_eq!(near_miss(asked, date("1989-03-04")), Some(DobNearMiss::YearSlip));
        assert_eq!(near_miss(asked, date("1993-03-04")), Some(DobNearMiss::YearSlip));
        assert_eq!(near_miss(asked, date("1980-03-04")), None);
        assert_eq!(near_miss(asked, date("1990-03-27")), None);
    }

    #[test]
    fn ranges_weigh_less_the_wider_they_are() {
        let month = DobQuery::range(date("1990-01-01"), date("1990-01-31")).unwrap();
        let decade = DobQuery::range(date("1980-01-01"), date("1989-12-31")).unwrap();
        assert!(month.weight() > decade.weight());
        assert!(DobQuery::range(date("1990-01-02"), date("1990-01-01")).is_err());
    }
}
