//! Following a query across the federation (issue 5): a caller's W3C `traceparent` is carried
//! from the hub to every node, so their log lines share one trace id, and a call without one
//! gets a new trace; gRPC reflection is served only by a dev-mode server (threat catalogue 68).

use futures::StreamExt;
use toex_proto::v1::{CheckRequest, Identifier, IdentifierKind, SqlRequest};
use toex_tests::Federation;
use toex_tests::federation::{generate_regions, test_purpose};
use toex_tests::log_capture::Capture;
use tonic::Code;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

const REGIONS: [&str; 2] = ["EMSOU", "TARIAN"];
const CALLER_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";

/// The trace id and span id of a `traceparent` value.
fn trace_parts(traceparent: &str) -> (String, String) {
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    (parts[1].to_owned(), parts[2].to_owned())
}

/// Runs a SQL request with optional `traceparent`, returning the hub's answering `traceparent`.
async fn traced_sql(federation: &Federation, traceparent: Option<&str>) -> anyhow::Result<String> {
    let mut client = federation.client().await?;
    let body = SqlRequest {
        sql: "SELECT region, count(*) FROM phones GROUP BY region".to_owned(),
        purpose: Some(test_purpose()),
        require_complete: true,
        max_rows: 0,
    };
    let mut request = tonic::Request::new(body);
    if let Some(traceparent) = traceparent {
        request.metadata_mut().insert("traceparent", traceparent.parse()?);
    }
    let response = client.sql(request).await?;
    let answered = response.metadata().get("traceparent").map(|value| value.to_str().map(str::to_owned));
    let answered = answered.ok_or_else(|| anyhow::anyhow!("no traceparent in the answer"))??;
    let mut stream = response.into_inner();
    while let Some(message) = stream.next().await {
        message?;
    }
    Ok(answered)
}

/// Log lines of one trace written inside a call to `path`.
fn lines_of<'a>(lines: &'a [String], trace_id: &str, path: &str) -> Vec<&'a String> {
    let trace = format!("trace_id={trace_id}");
    lines.iter().filter(|line| line.contains(&trace) && line.contains(path)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_id_follows_a_query_from_the_caller_through_the_hub_to_every_node() -> anyhow::Result<()> {
    let capture = Capture::install("info")?;
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 100, 3)?;
    let federation = Federation::start(data.path(), &REGIONS).await?;

    // A caller's trace is carried on: the hub answers in the same trace with its own span.
    let caller = format!("00-{CALLER_TRACE}-b7ad6b7169203331-01");
    let answered = traced_sql(&federation, Some(&caller)).await?;
    let (trace_id, hub_span) = trace_parts(&answered);
    assert_eq!(trace_id, CALLER_TRACE);
    assert_ne!(hub_span, "b7ad6b7169203331", "the hub's hop is a span of its own");

    // A call without a trace (or with a malformed one) starts a new one.
    let fresh = traced_sql(&federation, None).await?;
    let (fresh_trace, _) = trace_parts(&fresh);
    assert_ne!(fresh_trace, CALLER_TRACE);
    let malformed = traced_sql(&federation, Some("00-not-a-trace-01")).await?;
    assert_ne!(trace_parts(&malformed).0, fresh_trace);

    // A check goes through the node's Check with the trace too.
    let mut client = federation.client().await?;
    let mut check = tonic::Request::new(CheckRequest {
        identifiers: vec![Identifier { kind: IdentifierKind::Phone as i32, value: "07700900021".into() }],
        purpose: Some(test_purpose()),
        require_complete: false,
    });
    let check_trace = "00-1234567890abcdef1234567890abcdef-00f067aa0ba902b7-01";
    check.metadata_mut().insert("traceparent", check_trace.parse()?);
    client.check(check).await?;
    federation.shutdown().await;

    let lines = capture.lines();
    let hub_lines = lines_of(&lines, CALLER_TRACE, "/toex.v1.Hub/Sql");
    assert!(hub_lines.iter().any(|line| line.contains("query answered")), "the hub logs in the trace: {lines:#?}");
    let node_lines = lines_of(&lines, CALLER_TRACE, "/toex.v1.Node/Execute");
    let answered_at_nodes = node_lines.iter().filter(|line| line.contains("query answered")).count();
    assert_eq!(answered_at_nodes, REGIONS.len(), "every node logs in the caller's trace: {node_lines:#?}");
    let parent = format!("parent_id={hub_span}");
    assert!(node_lines.iter().all(|line| line.contains(&parent)), "the nodes' parent is the hub's span");
    let fresh_at_nodes = lines_of(&lines, &fresh_trace, "/toex.v1.Node/Execute");
    assert!(!fresh_at_nodes.is_empty(), "a new trace reaches the nodes too");
    let checks = lines_of(&lines, "1234567890abcdef1234567890abcdef", "/toex.v1.Node/Check");
    assert_eq!(checks.iter().filter(|line| line.contains("check answered")).count(), REGIONS.len());
    Ok(())
}

/// The services a server lists over reflection, or the status refusing it.
async fn reflected_services(channel: tonic::transport::Channel, token: Option<&str>) -> Result<Vec<String>, Code> {
    let mut client = ServerReflectionClient::new(channel);
    let list = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut request = tonic::Request::new(futures::stream::iter([list]));
    if let Some(token) = token {
        request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().expect("ascii"));
    }
    let mut responses = client.server_reflection_info(request).await.map_err(|status| status.code())?.into_inner();
    let first = responses.next().await.ok_or(Code::Unknown)?.map_err(|status| status.code())?;
    match first.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => Ok(list.service.into_iter().map(|s| s.name).collect()),
        _ => Err(Code::Unknown),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_is_served_by_a_dev_mode_node_and_by_no_production_server() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    generate_regions(data.path(), &REGIONS, 50, 3)?;
    let federation =
        Federation::start_with(data.path(), &REGIONS, |node| node.dev_mode = node.region == REGIONS[0]).await?;
    let dev = reflected_services(federation.node_channel(REGIONS[0])?, None).await;
    let services = dev.map_err(|code| anyhow::anyhow!("dev-mode node refused reflection: {code:?}"))?;
    assert!(services.iter().any(|name| name == "toex.v1.Node"), "{services:?}");
    assert!(services.iter().any(|name| name == "grpc.health.v1.Health"), "{services:?}");
    let production = reflected_services(federation.node_channel(REGIONS[1])?, None).await;
    assert_eq!(production, Err(Code::Unimplemented), "a production node does not reveal its schema");
    let hub_channel = toex_tls::hub_public_channel(&federation.hub_url, &federation.security.ca_pem()?)?;
    let hub = reflected_services(hub_channel, Some(&federation.national_token)).await;
    assert_eq!(hub, Err(Code::Unimplemented), "nor does a production hub");
    federation.shutdown().await;
    Ok(())
}
