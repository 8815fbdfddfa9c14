//! Record identifiers: `<REGION>-<TABLE LETTERS>-<zero-padded number>`, numbered from 1, so that
//! a linked id is just a number in range and planted records can take the first numbers.

use crate::error::GenError;

/// Digits the record number is padded to (it grows past this width for > 99,999,999 rows).
pub(crate) const RECORD_NUMBER_WIDTH: usize = 8;

/// The letters that name a table inside a record id.
pub(crate) fn table_letters(table: &str) -> Result<&'static str, GenError> {
    let letters = match table {
        "persons" => "P",
        "phones" => "PH",
        "vehicles" => "V",
        "addresses" => "A",
        "ocgs" => "O",
        "ocg_members" => "OM",
        "intel_reports" => "IR",
        "crimes" => "C",
        other => return Err(GenError::UnknownTable(other.to_owned())),
    };
    Ok(letters)
}

/// The record id of row `number` (1-based) of a table, e.g. `NWROCU-P-00000001`.
pub(crate) fn record_id(region: &str, letters: &str, number: u64) -> String {
    format!("{region}-{letters}-{number:0width$}", width = RECORD_NUMBER_WIDTH)
}

/// Writes a record id into `buffer` (cleared first), avoiding an allocation per row.
pub(crate) fn write_record_id(buffer: &mut String, region: &str, letters: &str, number: u64) {
    use std::fmt::Write;
    buffer.clear();
    // Writing to a String cannot fail.
    let _ = write!(buffer, "{region}-{letters}-{number:0width$}", width = RECORD_NUMBER_WIDTH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_documented_format() {
        assert_eq!(record_id("NWROCU", table_letters("persons").unwrap(), 1), "NWROCU-P-00000001");
        assert_eq!(record_id("LONDON", table_letters("ocg_members").unwrap(), 42), "LONDON-OM-00000042");
        assert_eq!(record_id("TARIAN", "C", 123_456_789), "TARIAN-C-123456789");
        let mut buffer = String::from("junk");
        write_record_id(&mut buffer, "EMSOU", "IR", 7);
        assert_eq!(buffer, "EMSOU-IR-00000007");
        assert!(table_letters("nominals").is_err());
    }
}
