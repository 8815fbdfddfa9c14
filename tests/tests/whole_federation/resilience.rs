//! Deadlines, overload and limits at the hub (issue 5; threat catalogue 55-58, F73, G84, G85):
//! a deadline that has passed on arrival fails at once with nothing fanned out; over the
//! in-flight limit calls are shed quickly with `UNAVAILABLE` and a retry hint while admitted calls
//! succeed; one caller over its rate gets `RESOURCE_EXHAUSTED` and another is unaffected; answers
//! over a row or byte cap end marked truncated; deep nesting, huge IN lists and oversized texts
//! are refused before fan-out.

use arrow::array::AsArray;
use futures::future::join_all;
use toex_broker::config::HubLimits;
use toex_proto::v1::{RegionStatus, SqlRequest};
use toex_tests::Federation;
use toex_tests::federation::{generate_regions, test_purpose};
use toex_tests::security::TokenSpec;
use tonic::Code;

const REGIONS: [&str; 2] = ["ERSOU", "SEROCU"];
const SQL: &str = "SELECT region, count(*) FROM persons GROUP BY region";

fn request() -> SqlRequest {
    SqlRequest { sql: SQL.to_owned(), purpose: Some(test_purpose()), require_complete: false, max_rows: 0 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_that_passed_on_arrival_fails_at_once_with_nothing_fanned_out() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 200, 8)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    let mut client = federation.client().await?;
    let mut expired = tonic::Request::new(request());
    expired.metadata_mut().insert("grpc-timeout", "100m".parse()?);
    let refused = client.sql(expired).await.expect_err("expired on arrival");
    assert_eq!(refused.code(), Code::DeadlineExceeded, "{refused:?}");
    assert_eq!(federation.node_data_requests(), 0, "nothing was fanned out");
    let mut generous = tonic::Request::new(request());
    generous.metadata_mut().insert("grpc-timeout", "8760H".parse()?);
    let mut stream = client.sql(generous).await?.into_inner();
    while let Some(message) = futures::StreamExt::next(&mut stream).await {
        message?;
    }
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_in_flight_limit_calls_are_shed_and_admitted_calls_succeed() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 2_000, 8)?;
    let limits = HubLimits { max_in_flight: 2, ..Federation::test_limits() };
    let federation = Federation::start_with_limits(data.path(), &REGIONS, limits).await?;
    let heavy = "SELECT p.region, count(*) FROM persons p JOIN phones ph ON p.record_id = ph.user_person_id \
                 AND p.region = ph.region GROUP BY p.region";
    let calls = (0..40).map(|_| federation.sql(heavy));
    let outcomes = join_all(calls).await;
    let admitted = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let shed: Vec<&tonic::Status> = outcomes.iter().filter_map(|outcome| outcome.as_ref().err()).collect();
    assert!(admitted >= 2, "admitted calls succeed: {admitted}");
    assert!(!shed.is_empty(), "40 concurrent calls over a limit of 2 shed some");
    for status in &shed {
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        assert!(status.metadata().get("grpc-retry-pushback-ms").is_some(), "a shed call says when to retry");
    }
    assert_eq!(federation.hub().admission().in_flight(), 0, "every slot came back");
    assert!(federation.sql(SQL).await?.summary.complete, "the hub serves normally afterwards");
    println!("{admitted} admitted, {} shed", shed.len());
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_caller_over_its_rate_is_limited_and_another_is_not() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 100, 8)?;
    let limits =
        HubLimits { requests_per_second_per_principal: 1, request_burst_per_principal: 3, ..Federation::test_limits() };
    let federation = Federation::start_with_limits(data.path(), &REGIONS, limits).await?;
    for _ in 0..3 {
        federation.sql(SQL).await?;
    }
    let limited = federation.sql(SQL).await.expect_err("over the rate");
    assert_eq!(limited.code(), Code::ResourceExhausted);
    let other = federation.token(&TokenSpec::person("national_analyst", Some("ERSOU"), "SECRET"))?;
    assert!(federation.sql_as(&other, SQL).await?.summary.complete, "another caller is unaffected");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_refused_and_the_hub_keeps_serving() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 100, 8)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    let huge = "x".repeat(64 * 1024);
    let refused = federation.sql_as(&huge, SQL).await.expect_err("a 64 KiB token is refused (threat 14)");
    assert_ne!(refused.code(), Code::Ok);
    assert_eq!(federation.node_data_requests(), 0);
    // Nodes report healthy over their mutual-TLS port, to the hub's identity.
    let pki = &federation.security.pki;
    let hub_tls = toex_tls::HubTls::from_files(&pki.ca.cert, &pki.hub.cert, &pki.hub.key)?;
    let endpoint = federation.hub().config().regions[0].endpoint.clone();
    let code = federation.hub().config().regions[0].code.clone();
    let mut health =
        tonic_health::pb::health_client::HealthClient::new(toex_tls::node_channel(&endpoint, &code, &hub_tls)?);
    let status = health.check(tonic_health::pb::HealthCheckRequest { service: String::new() }).await?.into_inner();
    assert_eq!(status.status, tonic_health::pb::health_check_response::ServingStatus::Serving as i32);
    assert!(federation.sql(SQL).await?.summary.complete, "the hub still serves");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_region_is_refused_by_its_open_circuit_and_still_labelled() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 200, 8)?;
    let mut federation = Federation::start(data.path(), &REGIONS).await?;
    federation.stop_node("SEROCU").await;
    let threshold = HubLimits::default().breaker_failure_threshold;
    for _ in 0..threshold {
        let answer = federation.sql(SQL).await?;
        assert_eq!(answer.status("SEROCU"), Some(toex_proto::v1::RegionStatus::Unavailable));
    }
    let answer = federation.sql(SQL).await?;
    let outcome = answer.summary.regions.iter().find(|outcome| outcome.region == "SEROCU").expect("listed");
    assert_eq!(outcome.status, toex_proto::v1::RegionStatus::Unavailable as i32);
    assert!(outcome.detail.starts_with("circuit open for SEROCU"), "{}", outcome.detail);
    assert!(!answer.summary.complete, "a refused region still makes the answer partial");
    assert_eq!(answer.status("ERSOU"), Some(toex_proto::v1::RegionStatus::Ok));
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_over_its_memory_pool_is_refused_and_the_node_keeps_serving() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 2_000, 8)?;
    let federation = Federation::start_with(data.path(), &REGIONS, |node| node.limits.memory_per_query_mib = 1).await?;
    let greedy = "SELECT * FROM intel_reports ORDER BY summary, reported_at";
    let refused = federation.node_sql("ERSOU", greedy).await.expect_err("over the pool");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    let through_hub = federation.sql(greedy).await.expect_err("every region refused: never an empty success");
    assert_eq!(through_hub.code(), Code::Unavailable);
    assert!(through_hub.message().contains("ERSOU REGION_STATUS_ERROR"), "{}", through_hub.message());
    assert!(through_hub.message().contains("Resources exhausted"), "{}", through_hub.message());
    let answer = federation.sql(SQL).await?;
    assert!(answer.summary.complete, "the node keeps serving small queries");
    federation.shutdown().await;
    Ok(())
}

/// Rows of `SELECT count(*) FROM intel_reports` across the federation.
async fn intel_report_count(federation: &Federation) -> anyhow::Result<i64> {
    let answer = federation.sql("SELECT count(*) FROM intel_reports").await?;
    let mut total = 0;
    for batch in &answer.batches {
        let counts = batch.column(0).as_primitive::<arrow::datatypes::Int64Type>();
        total += counts.iter().flatten().sum::<i64>();
    }
    Ok(total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_over_the_hubs_byte_cap_ends_marked_truncated() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 1_000, 8)?;
    let cap = 64 * 1024;
    let limits = HubLimits { max_answer_bytes: cap, ..Federation::test_limits() };
    let federation = Federation::start_with_limits(data.path(), &REGIONS, limits).await?;
    let total = intel_report_count(&federation).await?;
    let answer = federation.sql("SELECT * FROM intel_reports").await?;
    assert!(answer.summary.truncated, "the answer says it stopped at the cap");
    let rows = answer.rows() as i64;
    assert!(rows > 0 && rows < total, "{rows} of {total} rows sent before the cap");
    assert_eq!(answer.summary.rows, answer.rows() as u64, "the summary counts what was sent");
    let encoded: usize = answer.batches.iter().map(encoded_len).sum();
    assert!(encoded as u64 <= cap, "{encoded} encoded bytes under a cap of {cap}");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_over_its_nodes_byte_cap_is_labelled_and_its_rows_kept() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 1_000, 8)?;
    let federation =
        Federation::start_with(data.path(), &REGIONS, |node| node.limits.max_bytes_per_query = 32 * 1024).await?;
    let total = intel_report_count(&federation).await?;
    let answer = federation.sql("SELECT * FROM intel_reports").await?;
    for region in REGIONS {
        assert_eq!(answer.status(region), Some(RegionStatus::Error), "{region} stopped at its cap");
        let outcome = answer.summary.regions.iter().find(|outcome| outcome.region == region).expect("listed");
        assert!(outcome.detail.contains("byte cap"), "{}", outcome.detail);
        assert!(outcome.rows > 0, "{region}'s rows before the cap are kept");
    }
    assert!(!answer.summary.complete);
    assert!((answer.rows() as i64) < total);
    federation.shutdown().await;
    Ok(())
}

/// The Arrow IPC size of one batch as the hub encodes it.
fn encoded_len(batch: &arrow::array::RecordBatch) -> usize {
    let (mut encoder, _) = toex_common::ipc::IpcEncoder::new(&batch.schema()).expect("encoder");
    encoder.encode(batch).expect("encodes").iter().map(Vec::len).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_in_lists_and_query_texts_are_refused_before_fan_out() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 100, 8)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;
    let items = |count: usize| (0..count).map(|item| format!("'{item}'")).collect::<Vec<_>>().join(",");
    let in_list =
        format!("SELECT * FROM phones WHERE msisdn IN ({})", items(toex_common::sql_guard::MAX_IN_LIST_ITEMS + 1));
    let refused = federation.sql(&in_list).await.expect_err("IN list too long");
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(refused.message().contains("IN list has 5001 items"), "{}", refused.message());
    let huge = format!("SELECT * FROM phones WHERE msisdn = '{}'", "9".repeat(70 * 1024));
    let refused = federation.sql(&huge).await.expect_err("text too long");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    // Threat 55: deep nesting is refused by the parser's recursion limit, with no stack overflow.
    let parentheses = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let subqueries = (0..1_000).fold("SELECT 1".to_owned(), |inner, _| format!("SELECT * FROM ({inner})"));
    for deep in [parentheses, subqueries] {
        let refused = federation.sql(&deep).await.expect_err("nested too deep");
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    }
    // Threat 58: a runaway row generator never reaches a node.
    let runaway = federation.sql("SELECT * FROM generate_series(1, 1000000000000)").await.expect_err("refused");
    assert_eq!(runaway.code(), Code::InvalidArgument, "{runaway:?}");
    assert_eq!(federation.node_data_requests(), 0, "nothing was fanned out");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_concurrent_national_queries_are_shed_fast_and_the_hub_stays_healthy() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 500, 8)?;
    let limits = HubLimits { max_in_flight: 64, ..Federation::test_limits() };
    let federation = Federation::start_with_limits(data.path(), &REGIONS, limits).await?;
    let report = toex_tests::load::burst(&federation, 20, 2_000, request()).await?;
    println!(
        "2000 concurrent: {} admitted, {} shed, {} failed; shed latency p50 {:.1} ms p99 {:.1} ms; \
         admitted p50 {:.1} ms; resident memory rise {:.0} MiB",
        report.admitted,
        report.shed,
        report.failed.len(),
        report.shed_latency.p50_ms,
        report.shed_latency.p99_ms,
        report.admitted_latency.p50_ms,
        report.rss_rise_mib
    );
    assert!(report.failed.is_empty(), "every call is admitted or shed: {:?}", report.failed.first());
    assert_eq!(report.admitted + report.shed, 2_000);
    assert!(report.admitted >= 64, "at least the in-flight limit is admitted");
    assert!(report.shed > 0, "2000 at once over a limit of 64 sheds");
    assert!(report.rss_rise_mib < 2_048.0, "memory stays bounded: {:.0} MiB", report.rss_rise_mib);
    assert_eq!(federation.hub().admission().in_flight(), 0, "every slot came back");
    assert!(federation.sql(SQL).await?.summary.complete, "the hub is healthy afterwards");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_region_outcomes_and_shedding_are_counted_for_prometheus() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 200, 8)?;
    let mut federation = Federation::start(data.path(), &REGIONS).await?;
    federation.sql(SQL).await?;
    federation.stop_node("SEROCU").await;
    federation.sql(SQL).await?;
    let text = toex_common::metrics::METRICS.render();
    for expected in [
        "toex_calls_total{operation=\"Sql\",outcome=\"OK\"}",
        "toex_calls_total{operation=\"Execute\",outcome=\"OK\"}",
        "toex_region_outcomes_total{region=\"ERSOU\",status=\"OK\"}",
        "toex_region_outcomes_total{region=\"SEROCU\",status=\"UNAVAILABLE\"}",
        "toex_region_seconds_bucket{",
        "toex_call_seconds_bucket{",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains("national_analyst") && !text.contains("+44"), "no users or identifiers in labels");
    federation.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_hub_says_not_serving_and_cuts_off_a_call_that_never_ends() -> anyhow::Result<()> {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;

    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 50, 8)?;
    let limits = HubLimits { drain_grace_ms: 300, ..Federation::test_limits() };
    let federation = Federation::start_with_limits(data.path(), &REGIONS, limits).await?;
    let channel = toex_tls::hub_public_channel(&federation.hub_url, &federation.security.ca_pem()?)?;
    // A health watch never ends on its own: without a grace period it holds the hub open.
    let mut watch = HealthClient::new(channel).watch(HealthCheckRequest { service: String::new() }).await?.into_inner();
    let first = futures::StreamExt::next(&mut watch).await.expect("a first status")?;
    assert_eq!(first.status, ServingStatus::Serving as i32);
    let stopping = tokio::spawn(federation.shutdown());
    let told = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(Ok(message)) = futures::StreamExt::next(&mut watch).await {
            if message.status == ServingStatus::NotServing as i32 {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(told.ok(), Some(true), "the watcher is told the hub is draining");
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(30), stopping).await;
    assert!(stopped.is_ok(), "the hub stopped once its grace period was over, the watch still open");
    Ok(())
}
