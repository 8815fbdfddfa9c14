//! Loads real data into a node's table directories: data.police.uk street-level crime CSVs become
//! the common-data-model `crimes` table of each region, and other CSV or Parquet datasets become
//! extra tables with default protective markings. Output is Parquet under
//! `<out_dir>/<REGION>/<table>/`, written atomically and named after the source file, so a
//! re-import replaces what an earlier import of the same file wrote.

mod crime_batch;
mod crime_row;
mod error;
mod layout;
mod parquet_sink;
mod police_uk;
mod report;
mod table;
mod table_markings;
mod table_source;

pub use crime_row::{POLICE_UK_HEADER, RejectReason};
pub use error::ImportError;
pub use layout::{CRIMES_TABLE, table_dir};
pub use police_uk::{BATCH_ROWS, MAX_LISTED_REJECTIONS_PER_FILE, import_police_uk};
pub use report::{ImportReport, RejectedRow};
pub use table::{DefaultMarkings, TableImport, import_table};
