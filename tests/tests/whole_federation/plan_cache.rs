//! The node's plan cache, through real nodes: a repeated query reuses its plans and answers
//! exactly as before; the same text under other rules gets its own plan (a grant that masks a
//! column is never answered from a plan made without the mask); `now()` is never frozen into a
//! kept plan; and a reload starts afresh.

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use toex_tests::Federation;
use toex_tests::compare::rows_as_text;
use toex_tests::federation::generate_regions;

const REGIONS: [&str; 2] = ["NWROCU", "LONDON"];
const REGION: &str = "NWROCU";

/// Both columns of a one-row answer of two counts.
fn counts(batches: &[RecordBatch]) -> (i64, i64) {
    let batch = batches.iter().find(|batch| batch.num_rows() > 0).expect("one row");
    (batch.column(0).as_primitive::<Int64Type>().value(0), batch.column(1).as_primitive::<Int64Type>().value(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_plan_answers_as_a_fresh_one_and_never_crosses_rules() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 200, 11)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    let sql = "SELECT count(summary) AS with_summary, count(*) AS reports FROM intel_reports";
    let records = [("intel_reports", "RECORDS")];
    let aggregates = [("intel_reports", "AGGREGATES_ONLY")];

    let (fresh, _) = federation.node_answer(REGION, sql, &records).await?;
    let (with_summary, reports) = counts(&fresh);
    assert!(with_summary > 0 && reports >= with_summary, "records access counts summaries: {with_summary}/{reports}");
    assert_eq!(federation.node_cached_plans(REGION), Some((1, 1)));
    for _ in 0..3 {
        let (again, _) = federation.node_answer(REGION, sql, &records).await?;
        assert_eq!(rows_as_text(&again), rows_as_text(&fresh), "a kept plan answers as the fresh one did");
    }
    assert_eq!(federation.node_cached_plans(REGION), Some((1, 1)), "the repeats planned nothing new");

    // The same text under aggregates-only access: the summary is masked, so it counts none.
    let (masked, _) = federation.node_answer(REGION, sql, &aggregates).await?;
    assert_eq!(counts(&masked), (0, reports), "the mask applies although the text was planned before");
    assert_eq!(federation.node_cached_plans(REGION), Some((1, 2)), "one optimised plan per set of rules");
    let (records_again, _) = federation.node_answer(REGION, sql, &records).await?;
    assert_eq!(counts(&records_again), (with_summary, reports));

    // `now()` is folded by the optimiser: such a plan is resolved once but optimised every time.
    let timed =
        "SELECT count(*) AS reported, count(summary) AS with_summary FROM intel_reports WHERE reported_at <= now()";
    for _ in 0..2 {
        let (answer, _) = federation.node_answer(REGION, timed, &records).await?;
        assert_eq!(counts(&answer).0, reports, "every generated report is in the past");
    }
    assert_eq!(federation.node_cached_plans(REGION), Some((2, 2)), "no optimised plan kept with now() in it");

    // A text too long to keep is answered but planned afresh each time.
    let padding = " ".repeat(toex_node::plan_cache::MAX_KEPT_SQL_BYTES);
    let long = format!("SELECT count(*) AS reports, count(summary) AS with_summary{padding} FROM intel_reports");
    let (answer, _) = federation.node_answer(REGION, &long, &records).await?;
    assert_eq!(counts(&answer), (reports, with_summary));
    assert_eq!(federation.node_cached_plans(REGION), Some((2, 2)), "nothing kept for a long text");

    // A reload replaces the snapshot and its plans.
    federation.reload_node(REGION).await?;
    assert_eq!(federation.node_cached_plans(REGION), Some((0, 0)));
    let (reloaded, _) = federation.node_answer(REGION, sql, &records).await?;
    assert_eq!(counts(&reloaded), (with_summary, reports));
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_hub_queries_give_each_clearance_its_own_answer() -> anyhow::Result<()> {
    use toex_tests::security::TokenSpec;
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 200, 12)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    let sql = "SELECT region, classification, count(*) AS n FROM intel_reports GROUP BY 1, 2 ORDER BY 1, 2";
    let secret = federation.token(&TokenSpec::person("national_analyst", None, "SECRET"))?;
    let official = federation.token(&TokenSpec::person("national_analyst", None, "OFFICIAL"))?;
    let first_secret = rows_as_text(&federation.sql_as(&secret, sql).await?.batches);
    let first_official = rows_as_text(&federation.sql_as(&official, sql).await?.batches);
    assert!(first_official.len() < first_secret.len(), "OFFICIAL sees fewer classifications than SECRET");
    for _ in 0..2 {
        assert_eq!(rows_as_text(&federation.sql_as(&official, sql).await?.batches), first_official);
        assert_eq!(rows_as_text(&federation.sql_as(&secret, sql).await?.batches), first_secret);
    }
    federation.shutdown().await;
    Ok(())
}
