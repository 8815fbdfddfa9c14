//! Malformed gRPC sent by hand at the real hub over real TLS (threat catalogue E62-E67, E69):
//! every call is an `http::Request` built here, with a body of raw bytes (the 5-byte gRPC prefix
//! and a payload), sent on a `tonic` channel used as a plain tower service. Each case asserts the
//! exact status, that nothing was fanned out to a node, and that the hub (on the same channel)
//! still answers a good query afterwards.
//!
//! The codes, as `toex_common::wire_status` makes them:
//! - a body that is not a well-formed request (random bytes, a truncated frame, an overflowing
//!   varint, invalid UTF-8, a wrong wire type, no message, a bad compressed flag, unknown groups
//!   nested past prost's recursion limit): `INVALID_ARGUMENT` (tonic says `INTERNAL`);
//! - a length prefix over the 16 MiB limit, claimed or sent: `RESOURCE_EXHAUSTED` (tonic says
//!   `OUT_OF_RANGE`), answered on the prefix without waiting for the body;
//! - a compressed body (`grpc-encoding`, which no server enables): `UNIMPLEMENTED`;
//! - a content-type that is not gRPC: HTTP 415; no `te: trailers`: HTTP 400 (both with
//!   `grpc-status` `INVALID_ARGUMENT`); HTTP/1.1 over TLS: closed without an answer;
//! - health: `SERVING` for the server and the hub service, `NOT_FOUND` for an unknown service.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use prost::Message;
use rand::RngCore;
use rand::SeedableRng;
use toex_common::ipc::MAX_MESSAGE_BYTES;
use toex_proto::v1::{
    CheckRequest, ExecuteRequest, Identifier, IdentifierKind, SearchCriteria, SearchKind, SearchRequest, SqlRequest,
    SqlResponse, sql_response,
};
use toex_tests::Federation;
use toex_tests::federation::{generate_regions, test_purpose};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tower::ServiceExt;

const REGIONS: [&str; 1] = ["ERSOU"];
const SQL: &str = "SELECT region, count(*) FROM persons GROUP BY region";
const SQL_PATH: &str = "/toex.v1.Hub/Sql";
/// A bound on waiting for an answer, so that a hub that hangs fails the test instead of
/// stalling it (never a latency assertion).
const HANG_GUARD: Duration = Duration::from_secs(60);

/// A running federation, a raw channel to its hub, and the data behind it.
struct Wire {
    federation: Federation,
    channel: Channel,
    _data: tempfile::TempDir,
}

impl Wire {
    async fn start() -> anyhow::Result<Self> {
        let data = tempfile::tempdir()?;
        generate_regions(data.path(), &REGIONS, 100, 62)?;
        let federation = Federation::start(data.path(), &REGIONS).await?;
        let channel = toex_tls::hub_public_channel(&federation.hub_url, &federation.security.ca_pem()?)?;
        Ok(Self { federation, channel, _data: data })
    }

    /// A gRPC request to `path` with every header a conforming client sends, and `body`.
    fn request(&self, path: &str, body: impl Into<Bytes>) -> http::Request<tonic::body::Body> {
        grpc_request(path, &self.federation.national_token, tonic::body::Body::new(Full::new(body.into())))
    }

    /// Sends a hand-built request on the raw channel.
    async fn send(&self, request: http::Request<tonic::body::Body>) -> anyhow::Result<Reply> {
        send(&self.channel, request).await
    }

    /// Sends one framed `payload` to the hub's SQL method.
    async fn sql_bytes(&self, payload: &[u8]) -> anyhow::Result<Reply> {
        self.send(self.request(SQL_PATH, frame(payload))).await
    }

    /// Asserts that nothing reached a node, then that a good query is answered both on the raw
    /// channel (the same connection the bad calls used) and by an ordinary client.
    async fn assert_nothing_fanned_out_and_still_serving(&self) -> anyhow::Result<()> {
        assert_eq!(self.federation.node_data_requests(), 0, "nothing was fanned out for bad input");
        assert_answered(&self.sql_bytes(&good_sql().encode_to_vec()).await?);
        assert!(self.federation.sql(SQL).await?.summary.complete, "an ordinary client is answered too");
        assert!(self.federation.node_data_requests() > 0, "the good queries reached the node");
        Ok(())
    }

    async fn shutdown(self) {
        self.federation.shutdown().await;
    }
}

/// A gRPC request as a conforming client sends it: POST, `application/grpc`, `te: trailers`.
fn grpc_request(path: &str, token: &str, body: tonic::body::Body) -> http::Request<tonic::body::Body> {
    http::Request::builder()
        .method(http::Method::POST)
        .uri(path)
        .header(http::header::CONTENT_TYPE, "application/grpc")
        .header(http::header::TE, "trailers")
        .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(body)
        .expect("a valid request")
}

/// What the server answered to one hand-built call.
struct Reply {
    http: StatusCode,
    headers: HeaderMap,
    data: Bytes,
    trailers: Option<HeaderMap>,
}

impl Reply {
    /// The call's status: from the headers of a trailers-only answer, otherwise the trailers.
    fn status(&self) -> Option<tonic::Status> {
        tonic::Status::from_header_map(&self.headers)
            .or_else(|| self.trailers.as_ref().and_then(tonic::Status::from_header_map))
    }

    fn code(&self) -> Option<Code> {
        self.status().map(|status| status.code())
    }

    fn message(&self) -> String {
        self.status().map(|status| status.message().to_owned()).unwrap_or_default()
    }

    /// Asserts a refusal with `code`: a trailers-only answer with no data.
    fn assert_refused(&self, code: Code, case: &str) {
        assert_eq!(self.code(), Some(code), "{case}: {:?} {}", self.code(), self.message());
        assert!(tonic::Status::from_header_map(&self.headers).is_some(), "{case}: a trailers-only answer");
        assert!(self.data.is_empty(), "{case}: no data with a refusal");
    }
}

async fn send(channel: &Channel, request: http::Request<tonic::body::Body>) -> anyhow::Result<Reply> {
    let exchange = async {
        let response = channel.clone().oneshot(request).await?;
        let (parts, body) = response.into_parts();
        let collected = body.collect().await?;
        let trailers = collected.trailers().cloned();
        anyhow::Ok(Reply { http: parts.status, headers: parts.headers, data: collected.to_bytes(), trailers })
    };
    tokio::time::timeout(HANG_GUARD, exchange).await?
}

/// The 5-byte gRPC message prefix: the compressed flag and a big-endian length.
fn prefix(compressed: u8, length: u32) -> BytesMut {
    let mut bytes = BytesMut::with_capacity(5);
    bytes.put_u8(compressed);
    bytes.put_u32(length);
    bytes
}

/// `payload` as one uncompressed gRPC message.
fn frame(payload: &[u8]) -> Bytes {
    let mut bytes = prefix(0, u32::try_from(payload.len()).expect("a test payload under 4 GiB"));
    bytes.extend_from_slice(payload);
    bytes.freeze()
}

fn good_sql() -> SqlRequest {
    SqlRequest { sql: SQL.to_owned(), purpose: Some(test_purpose()), ..SqlRequest::default() }
}

/// Asserts a complete SQL answer: status OK in the trailers after a schema, batches and a summary.
fn assert_answered(reply: &Reply) {
    assert_eq!(reply.http, StatusCode::OK);
    assert_eq!(reply.code(), Some(Code::Ok), "{}", reply.message());
    assert!(reply.trailers.is_some(), "an answer with data ends in trailers");
    let messages = messages(&reply.data);
    assert!(messages.len() >= 2, "a schema and a summary at least: {}", messages.len());
    let last = messages.last().cloned().map(SqlResponse::decode).expect("a last message").expect("it decodes");
    let Some(sql_response::Body::Summary(summary)) = last.body else { panic!("the last message is the summary") };
    assert!(summary.complete, "{summary:?}");
}

/// The gRPC messages of a response body.
fn messages(data: &Bytes) -> Vec<Bytes> {
    let mut rest = data.clone();
    let mut messages = Vec::new();
    while rest.len() >= 5 {
        assert_eq!(rest[0], 0, "the hub does not compress");
        let length = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        messages.push(rest.slice(5..5 + length));
        rest = rest.slice(5 + length..);
    }
    assert!(rest.is_empty(), "the body is whole messages");
    messages
}

/// A protobuf key: field number and wire type.
fn key(field: u32, wire_type: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    prost::encoding::encode_varint(u64::from((field << 3) | u32::from(wire_type)), &mut bytes);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_well_formed_hand_built_call_is_answered_with_data_and_an_ok_trailer() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let reply = wire.sql_bytes(&good_sql().encode_to_vec()).await?;
    assert_answered(&reply);
    assert!(wire.federation.node_data_requests() > 0, "the query reached the node");
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bytes_truncated_frames_and_overflowing_varints_are_invalid_argument() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let mut random = vec![0u8; 512];
    rand_chacha::ChaCha8Rng::seed_from_u64(62).fill_bytes(&mut random);
    // Field 4 (max_rows, a varint) with eleven continuation bytes: longer than any 64-bit varint.
    let mut overflow = key(4, 0);
    overflow.extend([0xff; 11]);
    // Field 1 (sql, a string) holding bytes that are not UTF-8.
    let mut not_utf8 = key(1, 2);
    not_utf8.extend([2, 0xc3, 0x28]);
    // Field 1 (sql) sent as a varint instead of a string.
    let mut wrong_wire_type = key(1, 0);
    wrong_wire_type.push(1);
    let mut truncated = prefix(0, 100);
    truncated.extend_from_slice(&[0x0a; 10]);
    let cases: Vec<(&str, Bytes)> = vec![
        ("random bytes", frame(&random)),
        ("a prefix saying 100 bytes before 10", truncated.freeze()),
        ("a prefix cut short", Bytes::from_static(&[0, 0, 0])),
        ("no message at all", Bytes::new()),
        ("an overflowing varint", frame(&overflow)),
        ("a string that is not UTF-8", frame(&not_utf8)),
        ("a string sent as a varint", frame(&wrong_wire_type)),
    ];
    for (case, body) in cases {
        let reply = wire.send(wire.request(SQL_PATH, body)).await?;
        reply.assert_refused(Code::InvalidArgument, case);
        let decoding =
            ["failed to decode Protobuf message", "Unexpected EOF decoding stream", "Missing request message"];
        let message = reply.message();
        assert!(decoding.iter().any(|prefix| message.starts_with(prefix)), "{case}: refused in decoding: {message}");
    }
    // The same refusal on a unary method.
    let reply = wire.send(wire.request("/toex.v1.Hub/Check", frame(&overflow))).await?;
    reply.assert_refused(Code::InvalidArgument, "an overflowing varint in a check");
    assert!(reply.message().starts_with("failed to decode Protobuf message"), "{}", reply.message());
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_length_prefix_of_4_gib_is_resource_exhausted_before_the_body_arrives() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    // The prefix claims u32::MAX bytes and the request body stays open: the hub must answer on
    // the prefix alone, reserving nothing for the 4 GiB it will never read.
    let (mut body, frames) = futures::channel::mpsc::channel::<Result<http_body::Frame<Bytes>, Infallible>>(4);
    body.try_send(Ok(http_body::Frame::data(prefix(0, u32::MAX).freeze())))?;
    body.try_send(Ok(http_body::Frame::data(Bytes::from_static(&[0x0a; 64]))))?;
    let request =
        grpc_request(SQL_PATH, &wire.federation.national_token, tonic::body::Body::new(StreamBody::new(frames)));
    let reply = wire.send(request).await?;
    reply.assert_refused(Code::ResourceExhausted, "a 4 GiB prefix");
    assert!(reply.message().contains(&format!("the limit is: {MAX_MESSAGE_BYTES} bytes")), "{}", reply.message());
    drop(body);
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_one_byte_over_the_limit_sent_in_full_is_resource_exhausted() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let mut request = good_sql();
    request.sql = "x".repeat(MAX_MESSAGE_BYTES);
    while request.encoded_len() > MAX_MESSAGE_BYTES + 1 {
        request.sql.pop();
    }
    assert_eq!(request.encoded_len(), MAX_MESSAGE_BYTES + 1);
    let reply = wire.sql_bytes(&request.encode_to_vec()).await?;
    reply.assert_refused(Code::ResourceExhausted, "a message one byte over the limit");
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_requests_are_unimplemented_and_a_bad_compressed_flag_is_invalid_argument() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    // No server enables compression, so a gzip bomb is refused on its headers: nothing is ever
    // decompressed. The payload needs no real gzip for that.
    let mut compressed = prefix(1, 16);
    compressed.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0]);
    let compressed = compressed.freeze();
    for encoding in ["gzip", "deflate", "zstd", "x-bogus-encoding"] {
        let mut request = wire.request(SQL_PATH, compressed.clone());
        request.headers_mut().insert("grpc-encoding", encoding.parse()?);
        let reply = wire.send(request).await?;
        reply.assert_refused(Code::Unimplemented, encoding);
        assert_eq!(reply.headers.get("grpc-accept-encoding").map(|value| value.as_bytes()), Some(&b"identity"[..]));
    }
    let payload = good_sql().encode_to_vec();
    let mut flagged = prefix(1, u32::try_from(payload.len())?);
    flagged.extend_from_slice(&payload);
    let mut identity = wire.request(SQL_PATH, flagged.clone().freeze());
    identity.headers_mut().insert("grpc-encoding", "identity".parse()?);
    let cases = [
        ("a compressed flag without an encoding", wire.request(SQL_PATH, flagged.clone().freeze())),
        ("a compressed flag with the identity encoding", identity),
        ("a compressed flag of 7", wire.request(SQL_PATH, [&[7u8][..], &frame(&payload)[1..]].concat())),
    ];
    for (case, request) in cases {
        let reply = wire.send(request).await?;
        reply.assert_refused(Code::InvalidArgument, case);
        assert!(reply.message().starts_with("protocol error"), "{case}: {}", reply.message());
    }
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_groups_nested_past_the_recursion_limit_are_invalid_argument() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    // No request message of ours is recursive, so depth can only come from unknown fields. prost
    // skips an unknown group by walking into it, counting depth against its limit of 100: 10 000
    // nested start-group keys (field 100) after an otherwise good request are refused.
    let mut payload = good_sql().encode_to_vec();
    let start_group = key(100, 3);
    for _ in 0..10_000 {
        payload.extend_from_slice(&start_group);
    }
    let reply = wire.sql_bytes(&payload).await?;
    reply.assert_refused(Code::InvalidArgument, "10 000 nested groups");
    assert!(reply.message().contains("recursion limit reached"), "{}", reply.message());
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_even_nested_ten_thousand_deep_are_skipped_and_the_query_answered() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    // An unknown length-delimited field is skipped as opaque bytes, never parsed, however deep
    // its content nests: ignored, as protobuf's compatibility rules require (new clients may
    // send fields this hub does not know). Content lengths are built inside out.
    let depth = 10_000;
    let field = key(100, 2);
    let mut lengths = vec![0usize];
    while lengths.len() < depth {
        let inner = lengths[lengths.len() - 1];
        lengths.push(field.len() + prost::encoding::encoded_len_varint(inner as u64) + inner);
    }
    let mut payload = good_sql().encode_to_vec();
    for length in lengths.iter().rev() {
        payload.extend_from_slice(&field);
        prost::encoding::encode_varint(*length as u64, &mut payload);
    }
    // And an unknown varint and an unknown fixed64 field beside it.
    payload.extend(key(99, 0));
    payload.push(42);
    payload.extend(key(98, 1));
    payload.extend([0; 8]);
    assert_answered(&wire.sql_bytes(&payload).await?);
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_enums_absurd_numbers_and_oversized_lists_are_invalid_argument() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let mut client = wire.federation.client().await?;
    let phone = |kind: i32| Identifier { kind, value: "07700 900021".to_owned() };
    let check = |identifiers: Vec<Identifier>| CheckRequest {
        identifiers,
        purpose: Some(test_purpose()),
        ..CheckRequest::default()
    };
    let checks = [
        ("an identifier kind of 999", check(vec![phone(999)])),
        ("a negative identifier kind", check(vec![phone(-1)])),
        ("an unspecified identifier kind", check(vec![phone(0)])),
        ("1 001 identifiers", check(vec![phone(IdentifierKind::Phone as i32); 1_001])),
    ];
    for (case, request) in checks {
        let refused = client.check(request).await.expect_err(case);
        assert_eq!(refused.code(), Code::InvalidArgument, "{case}: {refused:?}");
    }
    let search = |criteria: SearchCriteria| SearchRequest {
        criteria: Some(criteria),
        purpose: Some(test_purpose()),
        ..SearchRequest::default()
    };
    let by_phone = |threshold: f64, limit: u32| SearchCriteria {
        kind: SearchKind::Phone as i32,
        value: "07700 900021".to_owned(),
        threshold,
        limit,
        ..SearchCriteria::default()
    };
    let searches = [
        ("a search kind of 999", search(SearchCriteria { kind: 999, ..by_phone(0.0, 0) })),
        ("no criteria", SearchRequest { criteria: None, ..search(by_phone(0.0, 0)) }),
        ("a NaN threshold", search(by_phone(f64::NAN, 0))),
        ("an infinite threshold", search(by_phone(f64::INFINITY, 0))),
        ("a negative threshold", search(by_phone(-0.5, 0))),
        ("a threshold above 1", search(by_phone(1.5, 0))),
        ("a limit of u32::MAX", search(by_phone(0.0, u32::MAX))),
    ];
    for (case, request) in searches {
        let refused = client.search(request).await.expect_err(case);
        assert_eq!(refused.code(), Code::InvalidArgument, "{case}: {refused:?}");
    }
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_fields_under_the_message_limit_get_their_own_code_and_their_refusal_is_audited() -> anyhow::Result<()>
{
    let wire = Wire::start().await?;
    let mut client = wire.federation.client().await?;
    let eight_mib = "7".repeat(8 * 1024 * 1024);
    let check = |identifiers: Vec<Identifier>| CheckRequest {
        identifiers,
        purpose: Some(test_purpose()),
        ..CheckRequest::default()
    };
    let checks = [
        // About 4 MB on the wire: refused on its count after decoding.
        ("a million identifiers", check(vec![Identifier { kind: 1, value: String::new() }; 1_000_000])),
        ("1 000 identifiers of 8 KiB", check(vec![Identifier { kind: 1, value: "7".repeat(8 * 1024) }; 1_000])),
    ];
    for (case, request) in checks {
        let refused = client.check(request).await.expect_err(case);
        assert_eq!(refused.code(), Code::InvalidArgument, "{case}: {refused:?}");
    }
    let phone =
        SearchCriteria { kind: SearchKind::Phone as i32, value: eight_mib.clone(), ..SearchCriteria::default() };
    let person = SearchCriteria {
        kind: SearchKind::Person as i32,
        person: Some(toex_proto::v1::PersonCriteria { surname: eight_mib.clone(), ..Default::default() }),
        ..SearchCriteria::default()
    };
    for (case, criteria) in [("an 8 MiB phone number", phone), ("an 8 MiB surname", person)] {
        let request = SearchRequest { criteria: Some(criteria), purpose: Some(test_purpose()), ..Default::default() };
        let refused = client.search(request).await.expect_err(case);
        assert_eq!(refused.code(), Code::InvalidArgument, "{case}: {refused:?}");
    }
    // SQL text over the 64 KiB statement cap, well under the message limit: too large.
    let sql = format!("SELECT '{eight_mib}'");
    let refused = client.sql(SqlRequest { sql, ..good_sql() }).await.expect_err("8 MiB of SQL");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    // Every refusal was recorded (a record over the audit frame limit would have been lost and
    // answered UNAVAILABLE), with what was sent cut to a bound and counted.
    let trail = toex_audit::read_records(&wire.federation.security.audit_dir(toex_tests::security::HUB_AUDIT))?;
    let failed: Vec<_> = trail.iter().filter(|record| record.kind == toex_audit::RecordKind::Failed).collect();
    assert_eq!(failed.len(), 5, "one refusal record per request");
    let counted =
        |in_all: &str| failed.iter().any(|record| record.identifiers.last().is_some_and(|last| last.ends_with(in_all)));
    assert!(counted("(1000000 in all)"), "the million identifiers are counted, not recorded");
    let cut = format!("[{} bytes in all; the rest is not recorded]", eight_mib.len() + 9);
    let text_cut = failed.iter().any(|record| {
        record.query.as_ref().and_then(|query| query.text.as_deref()).is_some_and(|text| text.ends_with(&cut))
    });
    assert!(text_cut, "the 8 MiB statement is cut and its length recorded");
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_deadlines_are_invalid_argument_and_absurd_caps_are_clamped() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let body = frame(&good_sql().encode_to_vec());
    for timeout in ["-1S", "123456789S", "1.5S", "10", "S", "10d"] {
        let mut request = wire.request(SQL_PATH, body.clone());
        request.headers_mut().insert("grpc-timeout", timeout.parse()?);
        wire.send(request).await?.assert_refused(Code::InvalidArgument, timeout);
    }
    assert_eq!(wire.federation.node_data_requests(), 0, "nothing was fanned out for a malformed deadline");
    // The largest deadline the header can say is capped at the hub's maximum, as documented.
    let mut request = wire.request(SQL_PATH, body);
    request.headers_mut().insert("grpc-timeout", "99999999H".parse()?);
    assert_answered(&wire.send(request).await?);
    // max_rows = u64::MAX is what a client's -1 looks like on the wire (a 10-byte varint): an
    // unsigned cap, so it is clamped to the hub's configured maximum, as "Caps the rows" says.
    let everything = SqlRequest { max_rows: u64::MAX, ..good_sql() };
    assert_answered(&wire.sql_bytes(&everything.encode_to_vec()).await?);
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_is_not_grpc_is_refused_by_the_transport() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let body = frame(&good_sql().encode_to_vec());
    let mut json = wire.request(SQL_PATH, Bytes::from_static(br#"{"sql":"SELECT 1"}"#));
    json.headers_mut().insert(http::header::CONTENT_TYPE, "application/json".parse()?);
    let mut lookalike = wire.request(SQL_PATH, body.clone());
    lookalike.headers_mut().insert(http::header::CONTENT_TYPE, "application/grpc-web".parse()?);
    let mut untyped = wire.request(SQL_PATH, body.clone());
    untyped.headers_mut().remove(http::header::CONTENT_TYPE);
    let mut no_te = wire.request(SQL_PATH, body.clone());
    no_te.headers_mut().remove(http::header::TE);
    let cases = [
        ("application/json", json, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("application/grpc-web", lookalike, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("no content-type", untyped, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("no te: trailers", no_te, StatusCode::BAD_REQUEST),
    ];
    for (case, request, http_status) in cases {
        let reply = wire.send(request).await?;
        assert_eq!(reply.http, http_status, "{case}");
        reply.assert_refused(Code::InvalidArgument, case);
    }
    // Content-type suffixes the gRPC protocol allows are served.
    let mut proto = wire.request(SQL_PATH, body);
    proto.headers_mut().insert(http::header::CONTENT_TYPE, "application/grpc+proto".parse()?);
    assert_eq!(wire.federation.node_data_requests(), 0, "nothing was fanned out for a request that is not gRPC");
    assert_answered(&wire.send(proto).await?);
    assert!(wire.federation.sql(SQL).await?.summary.complete, "an ordinary client is answered too");
    wire.shutdown().await;
    Ok(())
}

/// Speaks HTTP/1.1 to the hub over TLS offering `alpn`, returning what came back before the
/// connection closed, or `None` when the handshake itself was refused.
async fn http1_over_tls(federation: &Federation, alpn: Vec<Vec<u8>>) -> anyhow::Result<Option<Vec<u8>>> {
    let mut config = (*toex_tls::client_config_for_hub(&federation.security.ca_pem()?)?).clone();
    config.alpn_protocols = alpn;
    let address = federation.hub_url.trim_start_matches("https://");
    let tcp = tokio::net::TcpStream::connect(address).await?;
    let server_name = rustls::pki_types::ServerName::try_from("127.0.0.1")?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let Ok(mut tls) = tokio::time::timeout(HANG_GUARD, connector.connect(server_name, tcp)).await? else {
        return Ok(None);
    };
    let request = format!(
        "POST {SQL_PATH} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/grpc\r\nTE: trailers\r\n\
         Authorization: Bearer {}\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0",
        federation.national_token
    );
    // The server may already have closed the connection; a failed write is an answer too.
    let _written = tls.write_all(request.as_bytes()).await;
    let mut reply = Vec::new();
    // A clean close or a reset are both fine; what matters is what arrived before it.
    let _closed = tokio::time::timeout(HANG_GUARD, tls.read_to_end(&mut reply)).await?;
    Ok(Some(reply))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_over_tls_is_closed_without_an_answer() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let federation = &wire.federation;
    // Offering only http/1.1: the hub's TLS accepts nothing but h2, so the handshake fails.
    let refused = http1_over_tls(federation, vec![b"http/1.1".to_vec()]).await?;
    assert_eq!(refused, None, "the handshake is refused when h2 is not offered");
    // No ALPN at all, and h2 negotiated but HTTP/1.1 spoken: closed, and never an HTTP answer.
    for alpn in [Vec::new(), vec![b"h2".to_vec()]] {
        let reply = http1_over_tls(federation, alpn.clone()).await?;
        let text = String::from_utf8_lossy(reply.as_deref().unwrap_or_default()).into_owned();
        assert!(!text.contains("HTTP/"), "{alpn:?}: {text:?}");
        assert!(!text.contains("grpc-status"), "{alpn:?}: {text:?}");
    }
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_serving_for_the_server_and_the_hub_and_not_found_for_an_unknown_service() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let mut health = HealthClient::new(wire.channel.clone());
    let check = |service: &str| HealthCheckRequest { service: service.to_owned() };
    // The hub's own status is set as the server starts: watch until it is known, then end the
    // watch (an open one would keep the hub's graceful shutdown waiting).
    let mut watch = health.watch(check("toex.v1.Hub")).await?.into_inner();
    loop {
        let update = tokio::time::timeout(HANG_GUARD, watch.next()).await?;
        let update = update.ok_or_else(|| anyhow::anyhow!("the watch ended"))??;
        if update.status == ServingStatus::Serving as i32 {
            break;
        }
    }
    drop(watch);
    for service in ["", "toex.v1.Hub"] {
        let status = health.check(check(service)).await?.into_inner().status;
        assert_eq!(status, ServingStatus::Serving as i32, "{service:?}");
    }
    for service in ["toex.v1.Nope", "toex.v1.Node", "TOEX.V1.HUB", "toex.v1.Hub "] {
        let unknown = health.check(check(service)).await.expect_err(service);
        assert_eq!(unknown.code(), Code::NotFound, "{service:?}: {unknown:?}");
    }
    wire.assert_nothing_fanned_out_and_still_serving().await?;
    wire.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_gives_malformed_and_oversized_frames_the_same_codes_as_the_hub() -> anyhow::Result<()> {
    let wire = Wire::start().await?;
    let channel = wire.federation.node_channel(REGIONS[0])?;
    let execute = |body: Bytes| {
        let mut request = grpc_request("/toex.v1.Node/Execute", "", tonic::body::Body::new(Full::new(body)));
        request.headers_mut().remove(http::header::AUTHORIZATION);
        request
    };
    let mut overflow = key(1, 0);
    overflow.extend([0xff; 11]);
    send(&channel, execute(frame(&overflow))).await?.assert_refused(Code::InvalidArgument, "an overflowing varint");
    let huge = prefix(0, u32::MAX).freeze();
    send(&channel, execute(huge)).await?.assert_refused(Code::ResourceExhausted, "a 4 GiB prefix");
    assert_eq!(wire.federation.node_data_requests(), 0, "the node's handler never saw them");
    // A decodable request reaches the handler (and is refused there: it carries no delegation).
    let unsigned =
        ExecuteRequest { query_id: "wire-test".to_owned(), sql: SQL.to_owned(), ..ExecuteRequest::default() };
    let reply = send(&channel, execute(frame(&unsigned.encode_to_vec()))).await?;
    assert_eq!(reply.code(), Some(Code::Unauthenticated), "{}", reply.message());
    assert_eq!(wire.federation.node_data_requests(), 1, "the decodable request reached the handler");
    wire.shutdown().await;
    Ok(())
}
