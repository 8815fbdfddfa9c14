//! The same SQL over the imported regions (their Parquet tables, as a union) and over the raw
//! data.police.uk CSVs read directly by DataFusion must give exactly the same answer.

mod common;

use std::path::Path;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema};
use arrow::util::display::array_value_to_string;
use common::fixture_files;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use toex_import::{POLICE_UK_HEADER, import_police_uk, table_dir};

const REGIONS: [&str; 3] = ["LONDON", "NWROCU", "SWROCU"];

/// Each query twice: over the imported `imported` union and over the raw `raw` CSVs.
const QUERIES: [(&str, &str); 5] = [
    (
        "SELECT falls_within, crime_type, count(*) FROM imported GROUP BY 1, 2 ORDER BY 1, 2",
        r#"SELECT "Falls within", "Crime type", count(*) FROM raw GROUP BY 1, 2 ORDER BY 1, 2"#,
    ),
    ("SELECT count(*) FROM imported WHERE crime_id IS NULL", r#"SELECT count(*) FROM raw WHERE "Crime ID" IS NULL"#),
    (
        "SELECT month, count(*), count(longitude), count(lsoa_code), count(last_outcome_category), \
         count(context) FROM imported GROUP BY month ORDER BY month",
        r#"SELECT "Month", count(*), count("Longitude"), count("LSOA code"),
           count("Last outcome category"), count("Context") FROM raw GROUP BY 1 ORDER BY 1"#,
    ),
    (
        "SELECT location, lsoa_name, round(sum(latitude), 6), count(*) FROM imported \
         GROUP BY 1, 2 ORDER BY 1, 2",
        r#"SELECT "Location", "LSOA name", round(sum("Latitude"), 6), count(*) FROM raw
           GROUP BY 1, 2 ORDER BY 1, 2"#,
    ),
    (
        "SELECT count(*) - count(DISTINCT crime_id), count(*) FROM imported",
        r#"SELECT count(*) - count(DISTINCT "Crime ID"), count(*) FROM raw"#,
    ),
];

fn raw_schema() -> Schema {
    let fields = POLICE_UK_HEADER.map(|name| {
        let data_type = if matches!(name, "Longitude" | "Latitude") { DataType::Float64 } else { DataType::Utf8 };
        Field::new(name, data_type, true)
    });
    Schema::new(fields.to_vec())
}

fn to_rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            let values = batch
                .columns()
                .iter()
                .map(|column| array_value_to_string(column, row).expect("display value"))
                .collect();
            rows.push(values);
        }
    }
    rows
}

async fn run(context: &SessionContext, sql: &str) -> Vec<Vec<String>> {
    let frame = context.sql(sql).await.unwrap_or_else(|error| panic!("{sql}: {error}"));
    to_rows(&frame.collect().await.unwrap_or_else(|error| panic!("{sql}: {error}")))
}

async fn register_imported(context: &SessionContext, out_dir: &Path) {
    let mut union = Vec::new();
    for region in REGIONS {
        let name = format!("crimes_{}", region.to_ascii_lowercase());
        let dir = table_dir(out_dir, region, "crimes");
        let url = format!("{}/", dir.display());
        context.register_parquet(&name, &url, ParquetReadOptions::default()).await.expect("register parquet");
        union.push(format!("SELECT * FROM {name}"));
    }
    let view = format!("CREATE VIEW imported AS {}", union.join(" UNION ALL "));
    context.sql(&view).await.expect("create view");
}

#[tokio::test]
async fn same_sql_over_imported_regions_and_raw_csv_gives_the_same_answer() {
    let files = fixture_files("clean");
    let out = tempfile::tempdir().expect("temp dir");
    let report = import_police_uk(out.path(), &files).expect("import");
    assert_eq!(report.total_rows(), 22);

    let context = SessionContext::new();
    register_imported(&context, out.path()).await;
    let raw_dir = files[0].parent().expect("fixture dir");
    let schema = raw_schema();
    let options = CsvReadOptions::new().has_header(true).file_extension(".csv").schema(&schema);
    context.register_csv("raw", &format!("{}/", raw_dir.display()), options).await.expect("register csv");

    for (imported_sql, raw_sql) in QUERIES {
        let imported = run(&context, imported_sql).await;
        let raw = run(&context, raw_sql).await;
        assert!(!imported.is_empty(), "{imported_sql}");
        assert_eq!(imported, raw, "{imported_sql}");
    }
    // The answers are the ones the fixtures were written to give.
    let null_ids = run(&context, QUERIES[1].0).await;
    assert_eq!(null_ids, vec![vec!["6".to_owned()]]);
    let duplicates = run(&context, QUERIES[4].0).await;
    assert_eq!(duplicates, vec![vec!["7".to_owned(), "22".to_owned()]]);
    let by_region = run(&context, "SELECT region, count(*) FROM imported GROUP BY region ORDER BY region").await;
    let expected: Vec<Vec<String>> = [("LONDON", "6"), ("NWROCU", "13"), ("SWROCU", "3")]
        .iter()
        .map(|(region, rows)| vec![(*region).to_owned(), (*rows).to_owned()])
        .collect();
    assert_eq!(by_region, expected);
}
