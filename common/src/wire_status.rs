//! The gRPC wire contract of the hub's and the nodes' servers (threat catalogue E62-E64, E66,
//! E67): a request that is not gRPC is refused before authentication, shedding or decoding, and
//! tonic's own refusals of malformed frames get the federation's canonical codes.
//!
//! Refused at the door, with `INVALID_ARGUMENT` in the `grpc-status` header:
//! - a `content-type` other than `application/grpc` (or `application/grpc+…`, `application/grpc;…`):
//!   HTTP 415, as the gRPC HTTP/2 protocol asks, so that no HTTP client mistakes it for success;
//! - no `te: trailers` (required of every gRPC client; it detects proxies that drop trailers):
//!   HTTP 400;
//! - a `grpc-timeout` that is not 1-8 digits and a unit (`H`, `M`, `S`, `m`, `u`, `n`): HTTP 200,
//!   trailers-only, on every RPC (grpc-go refuses them too; tonic silently ignores them).
//!
//! Remapped, in trailers-only responses (tonic answers request-decoding failures that way):
//! - a frame longer than the decoding limit, tonic's `OUT_OF_RANGE`, becomes `RESOURCE_EXHAUSTED`
//!   (the canonical code for "too large"); tonic refuses it on the 5-byte prefix, before reserving
//!   any memory for the body;
//! - tonic's `INTERNAL` for a body that is not a well-formed request (protobuf that does not
//!   decode, including prost's recursion limit and invalid UTF-8; a truncated frame; no message
//!   at all; an invalid compressed flag) becomes `INVALID_ARGUMENT`: the caller sent it, and
//!   `INTERNAL` stays reserved for the server's own bugs, so that garbage cannot raise bug alerts.
//!
//! The remapping recognises tonic's statuses by code and message prefix (tonic 0.14); the
//! whole-federation wire tests (`tests/tests/wire.rs`) pin every case, so a tonic upgrade that
//! rewords them fails loudly rather than silently changing the codes.

use std::task::{Context, Poll};

use futures::TryFutureExt;
use futures::future::{Either, MapOk, Ready, ready};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use tonic::{Code, Status};
use tower::{Layer, Service};

const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");
const GRPC_STATUS_DETAILS: HeaderName = HeaderName::from_static("grpc-status-details-bin");
const GRPC_TIMEOUT: HeaderName = HeaderName::from_static("grpc-timeout");

/// Message prefixes of tonic's `OUT_OF_RANGE` for a frame over the decoding limit.
const TOO_LARGE: &[&str] = &["Error, decoded message length too large"];

/// Message prefixes of tonic's `INTERNAL` for a request body that is not a well-formed message.
const MALFORMED: &[&str] = &[
    "failed to decode Protobuf message",
    "Unexpected EOF decoding stream",
    "Missing request message",
    "protocol error: received message with compressed-flag but no grpc-encoding",
    "protocol error: received message with invalid compression flag",
];

/// A tower layer enforcing the gRPC wire contract and normalising tonic's decode statuses.
#[derive(Debug, Clone, Copy, Default)]
pub struct WireStatusLayer;

impl<S> Layer<S> for WireStatusLayer {
    type Service = WireStatusService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WireStatusService { inner }
    }
}

/// The service produced by [`WireStatusLayer`].
#[derive(Debug, Clone)]
pub struct WireStatusService<S> {
    inner: S,
}

type Normalise<B> = fn(http::Response<B>) -> http::Response<B>;

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for WireStatusService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    ResBody: Default,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Self::Response, Self::Error>>, MapOk<S::Future, Normalise<ResBody>>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        if let Some((http_status, reason)) = not_grpc(request.headers()) {
            tracing::debug!(path = request.uri().path(), reason, "not a grpc request: refused");
            let mut response = Status::invalid_argument(reason).into_http();
            *response.status_mut() = http_status;
            return Either::Left(ready(Ok(response)));
        }
        Either::Right(self.inner.call(request).map_ok(normalise::<ResBody> as Normalise<ResBody>))
    }
}

/// Why a request is not gRPC, with the HTTP status to refuse it with.
fn not_grpc(headers: &HeaderMap) -> Option<(StatusCode, &'static str)> {
    let content_type = headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes).unwrap_or_default();
    if !is_grpc_content_type(content_type) {
        return Some((StatusCode::UNSUPPORTED_MEDIA_TYPE, "not a gRPC request: content-type must be application/grpc"));
    }
    if headers.get(header::TE).map(HeaderValue::as_bytes) != Some(b"trailers") {
        return Some((StatusCode::BAD_REQUEST, "not a gRPC request: te: trailers is required"));
    }
    match headers.get(GRPC_TIMEOUT) {
        Some(timeout) if !is_grpc_timeout(timeout.as_bytes()) => {
            Some((StatusCode::OK, "grpc-timeout must be 1 to 8 digits and a unit (H, M, S, m, u or n)"))
        }
        _ => None,
    }
}

fn is_grpc_content_type(value: &[u8]) -> bool {
    let Some(rest) = value.strip_prefix(b"application/grpc") else {
        return false;
    };
    rest.is_empty() || rest.starts_with(b"+") || rest.starts_with(b";")
}

fn is_grpc_timeout(value: &[u8]) -> bool {
    let Some((unit, digits)) = value.split_last() else {
        return false;
    };
    (1..=8).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) && b"HMSmun".contains(unit)
}

/// Gives tonic's own trailers-only decode refusals their canonical codes; any other response
/// passes unchanged.
fn normalise<B>(mut response: http::Response<B>) -> http::Response<B> {
    let code = match response.headers().get(GRPC_STATUS) {
        Some(value) => Code::from_bytes(value.as_bytes()),
        None => return response,
    };
    if !matches!(code, Code::OutOfRange | Code::Internal) {
        return response;
    }
    // tonic's `Status::into_http` leaves the status it answered in the extensions.
    let Some(status) = response.extensions().get::<Status>() else {
        return response;
    };
    let starts = |prefixes: &[&str]| prefixes.iter().any(|prefix| status.message().starts_with(prefix));
    let mapped = match code {
        Code::OutOfRange if starts(TOO_LARGE) => Code::ResourceExhausted,
        Code::Internal if starts(MALFORMED) => Code::InvalidArgument,
        _ => return response,
    };
    let mapped = Status::new(mapped, status.message());
    let headers = response.headers_mut();
    headers.remove(GRPC_STATUS);
    headers.remove(GRPC_MESSAGE);
    headers.remove(GRPC_STATUS_DETAILS);
    if mapped.add_header(headers).is_err() {
        // The message came out of a valid header, so it always fits back into one.
        headers.insert(GRPC_STATUS, HeaderValue::from(mapped.code() as i32));
    }
    response.extensions_mut().insert(mapped);
    response
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    type Body = String;

    /// Answers every request with `status` (as tonic's handlers do), or with a body.
    #[derive(Clone)]
    struct Answering(Option<Status>);

    impl Service<http::Request<Body>> for Answering {
        type Response = http::Response<Body>;
        type Error = Infallible;
        type Future = Ready<Result<Self::Response, Infallible>>;

        fn poll_ready(&mut self, _context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _request: http::Request<Body>) -> Self::Future {
            ready(Ok(match self.0.clone() {
                Some(status) => status.into_http(),
                None => http::Response::new(Body::from("answer")),
            }))
        }
    }

    fn grpc_request() -> http::Request<Body> {
        http::Request::builder()
            .uri("/toex.v1.Hub/Sql")
            .header(header::CONTENT_TYPE, "application/grpc")
            .header(header::TE, "trailers")
            .body(Body::new())
            .expect("a valid request")
    }

    async fn answer(request: http::Request<Body>, status: Option<Status>) -> http::Response<Body> {
        let Ok(response) = WireStatusLayer.layer(Answering(status)).call(request).await;
        response
    }

    fn code(response: &http::Response<Body>) -> Option<Code> {
        Status::from_header_map(response.headers()).map(|status| status.code())
    }

    #[tokio::test]
    async fn tonic_decode_refusals_get_the_canonical_codes() {
        let too_large =
            Status::out_of_range("Error, decoded message length too large: found 4294967295 bytes, the limit is: 10");
        let response = answer(grpc_request(), Some(too_large)).await;
        assert_eq!(code(&response), Some(Code::ResourceExhausted));
        assert_eq!(response.extensions().get::<Status>().map(Status::code), Some(Code::ResourceExhausted));
        for message in [
            "failed to decode Protobuf message: invalid varint",
            "Unexpected EOF decoding stream.",
            "Missing request message.",
        ] {
            let response = answer(grpc_request(), Some(Status::internal(message))).await;
            assert_eq!(code(&response), Some(Code::InvalidArgument), "{message}");
            let status = Status::from_header_map(response.headers()).unwrap();
            assert_eq!(status.message(), message, "the reason is kept");
        }
    }

    #[tokio::test]
    async fn other_statuses_and_answers_pass_unchanged() {
        for status in [
            Status::internal("query failed at the hub: failed to decode Protobuf message"),
            Status::out_of_range("something else"),
            Status::unimplemented("Content is compressed with `gzip` which isn't supported"),
            Status::unavailable("busy"),
        ] {
            let response = answer(grpc_request(), Some(status.clone())).await;
            assert_eq!(code(&response), Some(status.code()), "{status:?}");
        }
        let response = answer(grpc_request(), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(code(&response), None);
        assert_eq!(response.body(), "answer");
    }

    #[tokio::test]
    async fn requests_that_are_not_grpc_are_refused_before_the_service() {
        let mut json = grpc_request();
        json.headers_mut().insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let response = answer(json, None).await;
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(code(&response), Some(Code::InvalidArgument));
        let mut lookalike = grpc_request();
        lookalike.headers_mut().insert(header::CONTENT_TYPE, "application/grpcx".parse().unwrap());
        assert_eq!(answer(lookalike, None).await.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let mut no_te = grpc_request();
        no_te.headers_mut().remove(header::TE);
        let response = answer(no_te, None).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(code(&response), Some(Code::InvalidArgument));
        for timeout in ["-1S", "123456789S", "5", "S", "5x", ""] {
            let mut bad = grpc_request();
            bad.headers_mut().insert("grpc-timeout", timeout.parse().unwrap());
            let response = answer(bad, None).await;
            assert_eq!(code(&response), Some(Code::InvalidArgument), "{timeout:?}");
        }
        for good in ["application/grpc+proto", "application/grpc; charset=utf-8"] {
            let mut request = grpc_request();
            request.headers_mut().insert(header::CONTENT_TYPE, good.parse().unwrap());
            request.headers_mut().insert("grpc-timeout", "99999999H".parse().unwrap());
            assert_eq!(answer(request, None).await.body(), "answer", "{good}");
        }
    }
}
