//! Protective markings carried by every row: Government Security Classification and handling code,
//! and the marking code that states both as one small number, so that policy can test rows with
//! integer comparisons instead of string ones (the text stays the record of truth).

use std::fmt;
use std::str::FromStr;

use arrow::array::{Array, AsArray, Int8Array, RecordBatch, StringArray, UInt32Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::Int8Type;
use arrow::error::ArrowError;

use crate::cdm::MARKING_CODE;

/// Government Security Classifications, ordered from least to most sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Classification {
    Official,
    OfficialSensitive,
    Secret,
}

impl Classification {
    /// Every classification, least sensitive first.
    pub const ALL: [Classification; 3] = [Self::Official, Self::OfficialSensitive, Self::Secret];

    /// Position in [`Classification::ALL`]: 0 for the least sensitive.
    pub fn rank(self) -> i8 {
        match self {
            Self::Official => 0,
            Self::OfficialSensitive => 1,
            Self::Secret => 2,
        }
    }

    /// The marking as written in data and tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Official => "OFFICIAL",
            Self::OfficialSensitive => "OFFICIAL-SENSITIVE",
            Self::Secret => "SECRET",
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A marking that is not one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown marking {0:?}")]
pub struct UnknownMarking(pub String);

impl FromStr for Classification {
    type Err = UnknownMarking;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|candidate| candidate.as_str() == text)
            .ok_or_else(|| UnknownMarking(text.to_owned()))
    }
}

/// Handling code: `P` lawful sharing permitted, `C` sharing permitted with conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandlingCode {
    Permitted,
    Conditions,
}

impl HandlingCode {
    /// The code as written in data.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Permitted => "P",
            Self::Conditions => "C",
        }
    }
}

impl FromStr for HandlingCode {
    type Err = UnknownMarking;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "P" => Ok(Self::Permitted),
            "C" => Ok(Self::Conditions),
            other => Err(UnknownMarking(other.to_owned())),
        }
    }
}

/// True when handling conditions hold at least one non-whitespace character.
pub fn conditions_present(conditions: Option<&str>) -> bool {
    conditions.is_some_and(|text| text.chars().any(|character| !character.is_whitespace()))
}

/// The `marking_code` of a row with these markings: twice the classification's rank
/// (`OFFICIAL` 0, `OFFICIAL-SENSITIVE` 1, `SECRET` 2), plus one for handling code `C` with
/// conditions. `None` (stored as NULL) when the markings are not valid: an unknown
/// classification or handling code, or `C` without conditions. Such rows are invisible to
/// everyone, and NULL matches no policy predicate.
pub fn marking_code(classification: &str, handling_code: &str, conditions: Option<&str>) -> Option<i8> {
    let classification: Classification = classification.parse().ok()?;
    let conditions_apply = match handling_code.parse().ok()? {
        HandlingCode::Permitted => 0,
        HandlingCode::Conditions if conditions_present(conditions) => 1,
        HandlingCode::Conditions => return None,
    };
    Some(classification.rank() * 2 + conditions_apply)
}

/// The codes of handling code `P` rows at or below `max`, least sensitive first.
pub fn permitted_codes_up_to(max: Classification) -> Vec<i8> {
    Classification::ALL.into_iter().filter(|level| *level <= max).map(|level| level.rank() * 2).collect()
}

/// The highest code of a valid row at or below `max` (every lower code is valid too).
pub fn highest_code_up_to(max: Classification) -> i8 {
    max.rank() * 2 + 1
}

/// [`marking_code`] of every row of three marking columns (a NULL classification or handling
/// code gives a NULL code).
pub fn marking_codes(classification: &StringArray, handling_code: &StringArray, conditions: &StringArray) -> Int8Array {
    fn text(array: &StringArray, row: usize) -> Option<&str> {
        array.is_valid(row).then(|| array.value(row))
    }
    (0..classification.len())
        .map(|row| marking_code(text(classification, row)?, text(handling_code, row)?, text(conditions, row)))
        .collect()
}

/// `batch` with its rows reordered so that rows of one `marking_code` sit together (NULL codes
/// first, then ascending; rows keep their order within a code). Release filters test the code,
/// so over clustered rows a filter keeps or drops whole runs instead of copying most of every
/// batch, and Parquet page statistics over the code let a scan skip pages a caller may not see.
/// A batch without the column is returned as it is.
pub fn cluster_by_marking_code(batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
    let Some(codes) = batch.column_by_name(MARKING_CODE) else {
        return Ok(batch);
    };
    let codes = codes.as_primitive_opt::<Int8Type>().ok_or_else(|| {
        ArrowError::InvalidArgumentError(format!("{MARKING_CODE} is {}, not Int8", codes.data_type()))
    })?;
    let code_of = |row: u32| codes.is_valid(row as usize).then(|| codes.value(row as usize));
    let mut order: Vec<u32> = (0..batch.num_rows() as u32).collect();
    if order.is_sorted_by_key(|&row| code_of(row)) {
        return Ok(batch);
    }
    // A stable sort: rows of one code keep the order they were written in.
    order.sort_by_key(|&row| code_of(row));
    take_record_batch(&batch, &UInt32Array::from(order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifications_order_and_round_trip() {
        assert!(Classification::Official < Classification::OfficialSensitive);
        assert!(Classification::OfficialSensitive < Classification::Secret);
        for classification in Classification::ALL {
            assert_eq!(classification.as_str().parse::<Classification>(), Ok(classification));
        }
        assert!("TOP SECRET".parse::<Classification>().is_err());
        assert!("official".parse::<Classification>().is_err());
        assert_eq!("C".parse::<HandlingCode>(), Ok(HandlingCode::Conditions));
        assert!("X".parse::<HandlingCode>().is_err());
    }

    #[test]
    fn marking_codes_order_by_classification_and_refuse_invalid_markings() {
        assert_eq!(marking_code("OFFICIAL", "P", None), Some(0));
        assert_eq!(marking_code("OFFICIAL", "C", Some("originator consent")), Some(1));
        assert_eq!(marking_code("OFFICIAL-SENSITIVE", "P", Some("ignored for P")), Some(2));
        assert_eq!(marking_code("SECRET", "C", Some("x")), Some(5));
        assert_eq!(marking_code("SECRET", "C", Some(" \t\u{3000}")), None);
        assert_eq!(marking_code("SECRET", "C", None), None);
        assert_eq!(marking_code("TOP SECRET", "P", None), None);
        assert_eq!(marking_code("OFFICIAL", "p", None), None);
        assert_eq!(permitted_codes_up_to(Classification::OfficialSensitive), vec![0, 2]);
        assert_eq!(highest_code_up_to(Classification::Official), 1);
        assert_eq!(highest_code_up_to(Classification::Secret), 5);
    }

    #[test]
    fn column_codes_match_row_codes() {
        let classification = StringArray::from(vec![Some("OFFICIAL"), None, Some("SECRET"), Some("SECRET")]);
        let handling = StringArray::from(vec![Some("C"), Some("P"), Some("C"), Some("P")]);
        let conditions = StringArray::from(vec![Some("consent"), None, None, None]);
        let codes = marking_codes(&classification, &handling, &conditions);
        assert_eq!(codes.iter().collect::<Vec<_>>(), vec![Some(1), None, None, Some(4)]);
    }

    #[test]
    fn clustering_groups_rows_by_code_and_keeps_their_order_within_a_code() {
        use std::sync::Arc;

        use arrow::array::Int64Array;
        use arrow::datatypes::{DataType, Field, Schema};

        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new(MARKING_CODE, DataType::Int8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5, 6])),
                Arc::new(Int8Array::from(vec![Some(2), Some(0), None, Some(2), Some(0), Some(1)])),
            ],
        )
        .unwrap();
        let clustered = cluster_by_marking_code(batch).unwrap();
        let ids: Vec<i64> = clustered.column(0).as_primitive::<arrow::datatypes::Int64Type>().values().to_vec();
        let codes: Vec<Option<i8>> = clustered.column(1).as_primitive::<Int8Type>().iter().collect();
        assert_eq!(ids, [3, 2, 5, 6, 1, 4], "each row keeps its own code and, within a code, its place");
        assert_eq!(codes, [None, Some(0), Some(0), Some(1), Some(2), Some(2)]);
    }

    #[test]
    fn clustering_leaves_a_batch_without_codes_alone_and_refuses_a_code_of_another_type() {
        use std::sync::Arc;

        use arrow::array::Int64Array;
        use arrow::datatypes::{DataType, Field, Schema};

        let ids = Arc::new(Int64Array::from(vec![3, 1, 2]));
        let plain = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)])),
            vec![ids.clone()],
        )
        .unwrap();
        assert_eq!(cluster_by_marking_code(plain.clone()).unwrap(), plain);
        let wrong = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new(MARKING_CODE, DataType::Int64, false)])),
            vec![ids],
        )
        .unwrap();
        let error = cluster_by_marking_code(wrong).unwrap_err().to_string();
        assert!(error.contains("marking_code is Int64, not Int8"), "{error}");
    }
}
