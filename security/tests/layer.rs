//! The tonic authentication layer driven through a tiny in-process tower service: status codes,
//! the claims extension, exempt paths, and no token text in the response or the logs
//! (threat catalogue items 1 and 16, INV-8).

mod support;

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use http::header::AUTHORIZATION;
use serde_json::json;
use support::*;
use toex_security::{AuthLayer, FixedClock, GRPC_HEALTH_PATH_PREFIX, UNAUTHENTICATED_MESSAGE, VerifiedClaims};
use tower::{Layer, Service};

const SEARCH_PATH: &str = "/toex.v1.Hub/Search";

/// Records the subject of the claims each request arrived with (None: no claims).
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl Service<http::Request<()>> for Recorder {
    type Response = http::Response<String>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<()>) -> Self::Future {
        let subject = request.extensions().get::<Arc<VerifiedClaims>>().map(|claims| claims.subject.clone());
        self.seen.lock().expect("lock").push(subject);
        ready(Ok(http::Response::new("handled".to_owned())))
    }
}

fn request(path: &str, authorization: Option<&str>) -> http::Request<()> {
    let mut builder = http::Request::builder().uri(format!("http://hub{path}"));
    if let Some(value) = authorization {
        builder = builder.header(AUTHORIZATION, value);
    }
    builder.body(()).expect("request")
}

async fn send(
    service: &mut toex_security::AuthService<Recorder>,
    request: http::Request<()>,
) -> http::Response<String> {
    std::future::poll_fn(|context| service.poll_ready(context)).await.expect("ready");
    service.call(request).await.expect("infallible")
}

fn grpc_status(response: &http::Response<String>) -> Option<String> {
    response.headers().get("grpc-status").and_then(|value| value.to_str().ok()).map(str::to_owned)
}

#[tokio::test]
async fn valid_bearer_token_reaches_the_handler_with_claims() {
    let fixture = fixture();
    let recorder = Recorder::default();
    let layer = AuthLayer::new(Arc::new(fixture.verifier)).with_clock(Arc::new(FixedClock(NOW)));
    let mut service = layer.layer(recorder.clone());
    let token = sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &good_payload());
    let response = send(&mut service, request(SEARCH_PATH, Some(&format!("Bearer {token}")))).await;
    assert_eq!(response.body(), "handled");
    assert_eq!(grpc_status(&response), None);
    assert_eq!(*recorder.seen.lock().expect("lock"), vec![Some("analyst.one".to_owned())]);
}

#[tokio::test]
async fn bad_credentials_are_unauthenticated_and_never_reach_the_handler() {
    let fixture = fixture();
    let recorder = Recorder::default();
    let layer = AuthLayer::new(Arc::new(fixture.verifier)).with_clock(Arc::new(FixedClock(NOW)));
    let mut service = layer.layer(recorder.clone());
    let token = sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &good_payload());
    let expired =
        sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &with(good_payload(), "exp", json!(NOW - 31)));
    let unsigned = format!(
        "{}.{}.",
        encode_segment(json!({"alg": "none", "typ": "at+jwt"}).to_string().as_bytes()),
        encode_segment(good_payload().to_string().as_bytes())
    );
    let cases = [
        None,
        Some("Basic dXNlcjpwYXNzd29yZA==".to_owned()),
        Some(token.clone()),
        Some(format!("Bearer {token}x")),
        Some(format!("Bearer {expired}")),
        Some(format!("Bearer {unsigned}")),
        Some("Bearer ".to_owned()),
    ];
    for authorization in cases {
        let response = send(&mut service, request(SEARCH_PATH, authorization.as_deref())).await;
        let status = tonic::Status::from_header_map(response.headers()).expect("grpc status");
        assert_eq!(status.code(), tonic::Code::Unauthenticated, "{authorization:?}");
        assert_eq!(status.message(), UNAUTHENTICATED_MESSAGE);
        let rendered = format!("{:?}", response.headers());
        assert!(!rendered.contains(&token));
    }
    assert!(recorder.seen.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn exempt_paths_pass_without_claims() {
    let fixture = fixture();
    let recorder = Recorder::default();
    let layer = AuthLayer::new(Arc::new(fixture.verifier))
        .with_clock(Arc::new(FixedClock(NOW)))
        .exempt_path_prefix(GRPC_HEALTH_PATH_PREFIX);
    let mut service = layer.layer(recorder.clone());
    let response = send(&mut service, request("/grpc.health.v1.Health/Check", None)).await;
    assert_eq!(response.body(), "handled");
    let refused = send(&mut service, request(SEARCH_PATH, None)).await;
    assert_eq!(grpc_status(&refused).as_deref(), Some("16"));
    assert_eq!(*recorder.seen.lock().expect("lock"), vec![None]);
}

#[test]
fn handlers_read_claims_or_get_unauthenticated() {
    let fixture = fixture();
    let token = sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &good_payload());
    let verified = fixture.verifier.verify(&token, NOW).expect("valid");
    let mut with_claims = tonic::Request::new(());
    with_claims.extensions_mut().insert(Arc::new(verified.clone()));
    let found = toex_security::claims(&with_claims).expect("claims present");
    assert_eq!(*found, verified);
    let without_claims = tonic::Request::new(());
    let refused = toex_security::claims(&without_claims).expect_err("no claims");
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
}

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logs_record_refusals_without_tokens_or_claim_values() {
    let fixture = fixture();
    let token = sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &good_payload());
    let forged = sign(
        &fixture.signing_pem,
        &json!({"alg": "HS256", "typ": "at+jwt", "kid": fixture.files.kid}),
        &good_payload(),
    );
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).finish();
    tracing::subscriber::with_default(subscriber, || {
        let layer = AuthLayer::new(Arc::new(fixture.verifier)).with_clock(Arc::new(FixedClock(NOW)));
        let mut service = layer.layer(Recorder::default());
        for authorization in [format!("Bearer {token}"), format!("Bearer {forged}"), token.clone()] {
            let _ = futures::executor::block_on(send(&mut service, request(SEARCH_PATH, Some(&authorization))));
        }
    });
    let logs = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf8");
    assert!(logs.contains("authentication refused"), "{logs}");
    assert!(logs.contains("algorithm not allowed"), "{logs}");
    for secret in [&token, &forged, &fixture.signing_pem] {
        assert!(!logs.contains(secret.as_str()), "secret in logs: {logs}");
    }
    for part in token.split('.') {
        assert!(!logs.contains(part), "token segment in logs");
    }
    for claim_value in ["Analyst One", "OFFICIAL-SENSITIVE", "8d7f0c1e-token-id"] {
        assert!(!logs.contains(claim_value), "claim value {claim_value} in logs");
    }
}
