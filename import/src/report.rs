//! What an import did: files read, rows written per region, rows rejected (with file, line and
//! reason) and the Parquet files written. Rejected rows are part of the answer, never dropped
//! silently.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::crime_row::RejectReason;

/// How many rejected rows the `Display` summary lists before summarising the rest.
const DISPLAYED_REJECTIONS: usize = 10;

/// A source row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// The source file.
    pub file: PathBuf,
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    /// Why it was not imported.
    pub reason: RejectReason,
}

/// The outcome of [`crate::import_police_uk`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Source files imported.
    pub files: usize,
    /// Rows written, by region code.
    pub rows_by_region: BTreeMap<String, u64>,
    /// Rejected rows, in file and line order (at most
    /// [`crate::MAX_LISTED_REJECTIONS_PER_FILE`] per file).
    pub rejected: Vec<RejectedRow>,
    /// Rejected rows counted but not listed because their file reached the listing cap.
    pub rejected_unlisted: u64,
    /// Parquet files written (each replaces any earlier import of the same source file).
    pub outputs: Vec<PathBuf>,
}

impl ImportReport {
    /// Rows written over all regions.
    pub fn total_rows(&self) -> u64 {
        self.rows_by_region.values().sum()
    }

    /// Rows rejected, listed or not.
    pub fn total_rejected(&self) -> u64 {
        self.rejected.len() as u64 + self.rejected_unlisted
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "imported {} file(s): {} row(s) into {} region(s)",
            self.files,
            self.total_rows(),
            self.rows_by_region.len()
        )?;
        for (region, rows) in &self.rows_by_region {
            write!(formatter, "\n  {region}: {rows} row(s)")?;
        }
        write!(formatter, "\n{} row(s) rejected", self.total_rejected())?;
        for rejected in self.rejected.iter().take(DISPLAYED_REJECTIONS) {
            write!(formatter, "\n  {}:{}: {}", rejected.file.display(), rejected.line, rejected.reason)?;
        }
        let not_shown = self.total_rejected().saturating_sub(DISPLAYED_REJECTIONS as u64);
        if not_shown > 0 {
            write!(formatter, "\n  ... and {not_shown} more")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_regions_and_rejections() {
        let report = ImportReport {
            files: 2,
            rows_by_region: BTreeMap::from([("LONDON".to_owned(), 3), ("NWROCU".to_owned(), 5)]),
            rejected: vec![RejectedRow {
                file: PathBuf::from("a.csv"),
                line: 4,
                reason: RejectReason::BadMonth { value: "2024-13".to_owned() },
            }],
            rejected_unlisted: 0,
            outputs: Vec::new(),
        };
        assert_eq!(
            report.to_string(),
            "imported 2 file(s): 8 row(s) into 2 region(s)\n  LONDON: 3 row(s)\n  NWROCU: 5 row(s)\n\
             1 row(s) rejected\n  a.csv:4: month \"2024-13\" is not YYYY-MM"
        );
    }
}
