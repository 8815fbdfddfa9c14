//! W3C trace context (`traceparent`) across the federation: [`TraceLayer`] gives every call a
//! `grpc` span carrying the trace id (the caller's, or a new one), and the hub's calls to nodes
//! carry the trace on as their parent, so one query's log lines at the hub and at every node
//! share a `trace_id`. The ids are random and say nothing about the query or the caller.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tonic::metadata::{MetadataMap, MetadataValue};
use tracing::Instrument;

/// The W3C header (and gRPC metadata key) that carries a trace.
pub const TRACEPARENT: &str = "traceparent";

/// A trace and the span of this hop within it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceContext {
    trace_id: u128,
    span_id: u64,
    /// The caller's span, when the trace came from a caller.
    parent_id: Option<u64>,
    sampled: bool,
}

impl TraceContext {
    /// A new trace with this hop as its root.
    pub fn root() -> Self {
        Self { trace_id: nonzero(rand::random()), span_id: nonzero(rand::random()), parent_id: None, sampled: true }
    }

    /// Parses a `traceparent` value (version `00`, or a later version's leading fields). A
    /// malformed one is ignored, as the specification asks.
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.trim().split('-');
        let version = parts.next().filter(|part| part.len() == 2 && is_lower_hex(part))?;
        let trace = parts.next().filter(|part| part.len() == 32 && is_lower_hex(part))?;
        let parent = parts.next().filter(|part| part.len() == 16 && is_lower_hex(part))?;
        let flags = parts.next().filter(|part| part.len() == 2 && is_lower_hex(part))?;
        if version == "ff" || (version == "00" && parts.next().is_some()) {
            return None;
        }
        let trace_id = u128::from_str_radix(trace, 16).ok().filter(|id| *id != 0)?;
        let parent_id = u64::from_str_radix(parent, 16).ok().filter(|id| *id != 0)?;
        let sampled = u8::from_str_radix(flags, 16).ok()? & 1 == 1;
        Some(Self { trace_id, span_id: nonzero(rand::random()), parent_id: Some(parent_id), sampled })
    }

    /// The trace a call's metadata carries on, or a new one.
    pub fn from_metadata(metadata: &MetadataMap) -> Self {
        Self::from_header(metadata.get(TRACEPARENT).and_then(|value| value.to_str().ok()))
    }

    /// The trace a `traceparent` value carries on, or a new one.
    pub fn from_header(header: Option<&str>) -> Self {
        header.and_then(Self::parse).unwrap_or_else(Self::root)
    }

    /// The trace id as 32 lowercase hex digits.
    pub fn trace_id(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    /// This hop's span id as 16 lowercase hex digits.
    pub fn span_id(&self) -> String {
        format!("{:016x}", self.span_id)
    }

    /// The `traceparent` that makes this hop the parent of the next.
    pub fn header(&self) -> String {
        format!("00-{}-{}-{:02x}", self.trace_id(), self.span_id(), u8::from(self.sampled))
    }

    /// Adds the `traceparent` of this hop to outgoing metadata.
    pub fn inject(&self, metadata: &mut MetadataMap) {
        if let Ok(value) = MetadataValue::try_from(self.header()) {
            metadata.insert(TRACEPARENT, value);
        }
    }

    /// The span a call in this trace runs in.
    pub fn span(&self, path: &str) -> tracing::Span {
        let parent = self.parent_id.map(|id| format!("{id:016x}")).unwrap_or_default();
        tracing::info_span!("grpc", trace_id = %self.trace_id(), span_id = %self.span_id(), parent_id = %parent, path)
    }
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.header())
    }
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

fn nonzero<T: PartialEq + From<u8>>(id: T) -> T {
    if id == T::from(0) { T::from(1) } else { id }
}

/// Runs every call in a span of its trace, puts the [`TraceContext`] in the request's
/// extensions for handlers that call on, and answers with the `traceparent` of this hop.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer;

impl<S> tower::Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TraceService { inner }
    }
}

/// The service produced by [`TraceLayer`].
#[derive(Debug, Clone)]
pub struct TraceService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for TraceService<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        let header = request.headers().get(TRACEPARENT).and_then(|value| value.to_str().ok());
        let trace = TraceContext::from_header(header);
        let span = trace.span(request.uri().path());
        request.extensions_mut().insert(trace);
        let answer = span.in_scope(|| self.inner.call(request));
        Box::pin(
            async move {
                let mut response = answer.await?;
                if let Ok(value) = http::HeaderValue::from_str(&trace.header()) {
                    response.headers_mut().insert(TRACEPARENT, value);
                }
                Ok(response)
            }
            .instrument(span),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_callers_trace_is_carried_on_with_a_new_span() {
        let trace = TraceContext::parse(CALLER).expect("valid");
        assert_eq!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_ne!(trace.span_id(), "00f067aa0ba902b7");
        let next = TraceContext::parse(&trace.header()).expect("round trip");
        assert_eq!(next.trace_id(), trace.trace_id());
        assert_eq!(next.parent_id, Some(trace.span_id));
    }

    #[test]
    fn malformed_traceparents_start_a_new_trace() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        ] {
            assert!(TraceContext::parse(bad).is_none(), "{bad:?} was accepted");
        }
        let fresh = TraceContext::from_header(Some("garbage"));
        assert_eq!(fresh.parent_id, None);
        assert_eq!(fresh.trace_id().len(), 32);
    }

    #[test]
    fn a_later_version_is_read_for_its_leading_fields() {
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-more";
        let trace = TraceContext::parse(later).expect("forward compatible");
        assert!(!trace.sampled);
        assert!(trace.header().starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
    }
}
