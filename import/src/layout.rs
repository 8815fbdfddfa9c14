//! Where imported files go: `<out_dir>/<REGION>/<table>/<source file stem>.parquet`. Naming the
//! output after the source file is what makes a re-import replace, rather than add to, the rows of
//! an earlier import of the same file.

use std::path::{Path, PathBuf};

use crate::error::ImportError;

/// The common-data-model table that data.police.uk crimes are imported into.
pub const CRIMES_TABLE: &str = "crimes";

/// Extension of every output file; the node reads every `*.parquet` file of a table directory.
pub(crate) const PARQUET_EXTENSION: &str = "parquet";

/// The directory a node reads table `table` of region `region` from.
pub fn table_dir(out_dir: &Path, region: &str, table: &str) -> PathBuf {
    out_dir.join(region).join(table)
}

/// The output file for a source file with stem `stem`.
pub(crate) fn output_path(table_dir: &Path, stem: &str) -> PathBuf {
    table_dir.join(format!("{stem}.{PARQUET_EXTENSION}"))
}

/// The stem of a source file, used as its identity in output names and record ids.
pub(crate) fn source_stem(path: &Path) -> Result<String, ImportError> {
    let stem = path.file_stem().and_then(|stem| stem.to_str()).filter(|stem| !stem.is_empty());
    match stem {
        Some(stem) => Ok(stem.to_owned()),
        None => Err(ImportError::InvalidFileName { path: path.to_owned() }),
    }
}

/// Checks that a region code is safe as a directory name.
pub(crate) fn check_region_code(region: &str) -> Result<(), ImportError> {
    let valid = !region.is_empty()
        && region.chars().all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_' || ch == '-');
    if valid { Ok(()) } else { Err(ImportError::InvalidRegion(region.to_owned())) }
}

/// Checks that a table name is a plain lower-case identifier, safe as a directory and SQL name.
pub(crate) fn check_table_name(table: &str) -> Result<(), ImportError> {
    let mut chars = table.chars();
    let valid = chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && chars.all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
    if valid { Ok(()) } else { Err(ImportError::InvalidTable(table.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_region_code("NWROCU").is_ok());
        assert!(check_region_code("../etc").is_err());
        assert!(check_region_code("").is_err());
        assert!(check_table_name("recorded_crime_2024").is_ok());
        assert!(check_table_name("Crimes").is_err());
        assert!(check_table_name("a/b").is_err());
        assert!(check_table_name("1abc").is_err());
    }

    #[test]
    fn output_is_named_after_the_source() {
        let stem = source_stem(Path::new("/data/2024-01/2024-01-merseyside-street.csv"));
        assert_eq!(stem.ok().as_deref(), Some("2024-01-merseyside-street"));
        let dir = table_dir(Path::new("/out"), "NWROCU", CRIMES_TABLE);
        assert_eq!(
            output_path(&dir, "2024-01-merseyside-street"),
            PathBuf::from("/out/NWROCU/crimes/2024-01-merseyside-street.parquet")
        );
    }
}
