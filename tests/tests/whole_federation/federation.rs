//! Whole-federation behaviour: aggregate pushdown, labelled partial answers, refusals at the hub
//! and at the node, completeness, and row caps.

use toex_proto::v1::{RegionStatus, SqlRequest};
use toex_tests::Federation;
use toex_tests::federation::{generate_regions, test_purpose};
use tonic::Code;

const REGIONS: [&str; 3] = ["NERSOU", "EMSOU", "SWROCU"];

async fn federation() -> anyhow::Result<(tempfile::TempDir, Federation)> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 300, 11)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    Ok((data, federation))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregates_cross_the_wire_as_partial_rows_not_records() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let sql = "SELECT region, exploitation_type, count(*) FROM intel_reports GROUP BY 1, 2";
    let answer = federation.sql(sql).await?;
    let records = federation.sql("SELECT count(*) FROM intel_reports").await?;
    let total: i64 =
        arrow::array::cast::as_primitive_array::<arrow::datatypes::Int64Type>(records.batches[0].column(0)).value(0);
    let received: u64 = answer.summary.regions.iter().map(|region| region.rows).sum();
    // Seven exploitation types at most per region: the hub receives partial aggregate rows.
    assert!(received <= 7 * REGIONS.len() as u64, "hub received {received} rows from nodes");
    assert_eq!(received as usize, answer.rows(), "one partial row per group, as each region owns its groups");
    assert!(total > 20 * received as i64, "the table has {total} records, far more than {received}");
    let plan = federation_plan(&federation, sql).await;
    assert!(plan.contains("GROUP BY"), "the node SQL must aggregate: {plan}");
    federation.shutdown().await;
    Ok(())
}

async fn federation_plan(federation: &Federation, sql: &str) -> String {
    let caller = federation.national_caller().expect("the national analyst authenticates");
    federation.hub().explain_plan(&caller, sql).await.expect("query plans")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_k_and_limits_are_pushed_to_the_nodes() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let top = "SELECT record_id, harm_score FROM ocgs ORDER BY harm_score DESC LIMIT 3";
    let answer = federation.sql(top).await?;
    assert_eq!(answer.rows(), 3);
    for region in &answer.summary.regions {
        assert!(region.rows <= 3, "region {} sent {} rows for a top-3", region.region, region.rows);
    }
    let plan = federation_plan(&federation, top).await;
    assert!(plan.contains("LIMIT 3"), "{plan}");
    let limited = federation.sql("SELECT * FROM persons LIMIT 5").await?;
    assert_eq!(limited.rows(), 5);
    assert!(limited.summary.regions.iter().all(|region| region.rows <= 5));
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_node_makes_the_answer_partial_and_labelled() -> anyhow::Result<()> {
    let (_data, mut federation) = federation().await?;
    let sql = "SELECT region, count(*) FROM persons GROUP BY region";
    let complete = federation.sql(sql).await?;
    assert!(complete.summary.complete);
    assert_eq!(complete.rows(), 3);

    federation.stop_node("EMSOU").await;
    let partial = federation.sql(sql).await?;
    assert!(!partial.summary.complete, "an answer missing a region must not be complete");
    assert_eq!(partial.status("EMSOU"), Some(RegionStatus::Unavailable));
    assert_eq!(partial.status("NERSOU"), Some(RegionStatus::Ok));
    assert_eq!(partial.status("SWROCU"), Some(RegionStatus::Ok));
    assert_eq!(partial.rows(), 2, "the two live regions still answer");

    let required = federation
        .request(SqlRequest { sql: sql.to_owned(), purpose: Some(test_purpose()), require_complete: true, max_rows: 0 })
        .await
        .expect_err("require_complete must fail when a region is down");
    assert_eq!(required.code(), Code::Unavailable);
    assert!(required.message().contains("EMSOU"), "{}", required.message());

    federation.stop_node("NERSOU").await;
    federation.stop_node("SWROCU").await;
    let none = federation.sql(sql).await.expect_err("no region answering is never an empty success");
    assert_eq!(none.code(), Code::Unavailable);
    federation.shutdown().await;
    Ok(())
}

const FORBIDDEN: &[&str] = &[
    "CREATE TABLE x (a INT)",
    "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/'",
    "DROP TABLE persons",
    "INSERT INTO persons SELECT * FROM persons",
    "UPDATE persons SET surname = 'x'",
    "DELETE FROM persons",
    "COPY persons TO '/tmp/x.csv'",
    "SELECT 1; DROP TABLE persons",
    "SET datafusion.execution.batch_size = 1",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "SELECT * FROM generate_series(1, 10)",
    "EXPLAIN SELECT * FROM persons",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_statements_are_refused_at_the_hub_and_at_the_node() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    for sql in FORBIDDEN {
        let at_hub = federation.sql(sql).await.expect_err(sql);
        assert_eq!(at_hub.code(), Code::InvalidArgument, "hub: {sql}: {}", at_hub.message());
        let at_node = federation.node_sql("NERSOU", sql).await.expect_err(sql);
        assert_eq!(at_node.code(), Code::InvalidArgument, "node: {sql}: {}", at_node.message());
    }
    let unknown = federation.sql("SELECT * FROM nominals").await.expect_err("unknown table");
    assert_eq!(unknown.code(), Code::InvalidArgument);
    let persons = federation.sql("SELECT count(*) FROM persons").await?;
    assert!(persons.summary.complete, "the federation still serves after refusals");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purpose_is_required_and_row_caps_mark_truncation() -> anyhow::Result<()> {
    let (_data, federation) = federation().await?;
    let missing = federation
        .request(SqlRequest { sql: "SELECT 1".to_owned(), purpose: None, require_complete: false, max_rows: 0 })
        .await
        .expect_err("no purpose, no query");
    assert_eq!(missing.code(), Code::InvalidArgument);
    let capped = federation
        .request(SqlRequest {
            sql: "SELECT record_id FROM persons".to_owned(),
            purpose: Some(test_purpose()),
            require_complete: false,
            max_rows: 10,
        })
        .await?;
    assert_eq!(capped.rows(), 10);
    assert!(capped.summary.truncated);
    assert_eq!(capped.summary.rows, 10);
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_crimes_are_served_after_a_reload_without_a_restart() -> anyhow::Result<()> {
    let (data, federation) = federation().await?;
    let sql = "SELECT count(*) FROM crimes WHERE falls_within = 'Cleveland Police' AND month = '2031-01'";
    let count = |answer: &toex_tests::Answer| {
        arrow::array::cast::as_primitive_array::<arrow::datatypes::Int64Type>(answer.batches[0].column(0)).value(0)
    };
    assert_eq!(count(&federation.sql(sql).await?), 0);

    let csv = data.path().join("2031-01-cleveland-street.csv");
    std::fs::write(
        &csv,
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n\
         ,2031-01,Cleveland Police,Cleveland Police,-1.23,54.57,On or near High Street,E01012001,Middlesbrough 001A,Anti-social behaviour,,\n\
         abc123,2031-01,Cleveland Police,Cleveland Police,,,No location,,,Burglary,Under investigation,\n",
    )?;
    let report = toex_import::import_police_uk(data.path(), &[csv])?;
    assert_eq!(report.rows_by_region.get("NERSOU"), Some(&2));
    assert_eq!(count(&federation.sql(sql).await?), 0, "nothing changes until the node reloads");

    federation.reload_node("NERSOU").await?;
    let refreshed = federation.sql(sql).await?;
    assert_eq!(count(&refreshed), 2, "the imported rows are served without a restart");
    assert!(refreshed.summary.complete);
    federation.shutdown().await;
    Ok(())
}
