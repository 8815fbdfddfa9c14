//! Prometheus metrics for the hub and the nodes, and the small HTTP endpoint (`GET /metrics`,
//! OpenMetrics text) that serves them. Labels are operation names, outcome codes and region
//! codes only: never a user, an identifier or record content. The metrics are process-wide, as
//! Prometheus clients conventionally are; a process runs one hub or one node in production.

use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// An RPC and how it ended (`OK` or a gRPC code name).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub operation: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
}

/// A region and, for outcomes, its status (`OK`, `TIMEOUT` ...).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RegionLabels {
    pub region: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RegionOnly {
    pub region: String,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 65 s.
    Histogram::new(exponential_buckets(0.000_5, 2.0, 18))
}

/// Every metric this process exports.
pub struct Metrics {
    registry: Registry,
    pub calls: Family<CallLabels, Counter>,
    pub call_seconds: Family<OperationLabels, Histogram, fn() -> Histogram>,
    pub region_outcomes: Family<RegionLabels, Counter>,
    pub region_seconds: Family<RegionOnly, Histogram, fn() -> Histogram>,
    pub breaker_open: Family<RegionOnly, Gauge>,
    pub shed: Counter,
    pub rate_limited: Counter,
    pub in_flight: Gauge,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("toex");
        let calls = Family::<CallLabels, Counter>::default();
        let call_seconds =
            Family::<OperationLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let region_outcomes = Family::<RegionLabels, Counter>::default();
        let region_seconds =
            Family::<RegionOnly, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let breaker_open = Family::<RegionOnly, Gauge>::default();
        let (shed, rate_limited, in_flight) = (Counter::default(), Counter::default(), Gauge::default());
        registry.register("calls", "RPCs answered, by operation and outcome", calls.clone());
        registry.register(
            "call_seconds",
            "Time to answer an RPC (to the first message for streams)",
            call_seconds.clone(),
        );
        registry.register(
            "region_outcomes",
            "Region outcomes of hub queries, by region and status",
            region_outcomes.clone(),
        );
        registry.register(
            "region_seconds",
            "Time from a hub query's start to each region's outcome",
            region_seconds.clone(),
        );
        registry.register(
            "breaker_open",
            "1 while the hub's circuit to a region is open or half-open",
            breaker_open.clone(),
        );
        registry.register("shed", "Calls shed at the in-flight limit", shed.clone());
        registry.register("rate_limited", "Calls refused for a principal over its rate", rate_limited.clone());
        registry.register("in_flight", "Data requests running now", in_flight.clone());
        Self {
            registry,
            calls,
            call_seconds,
            region_outcomes,
            region_seconds,
            breaker_open,
            shed,
            rate_limited,
            in_flight,
        }
    }

    /// Records one answered RPC.
    pub fn observe_call(&self, operation: &str, outcome: &str, took: Duration) {
        let labels = CallLabels { operation: operation.to_owned(), outcome: outcome.to_owned() };
        self.calls.get_or_create(&labels).inc();
        self.call_seconds
            .get_or_create(&OperationLabels { operation: operation.to_owned() })
            .observe(took.as_secs_f64());
    }

    /// Records one region's outcome in a hub query.
    pub fn observe_region(&self, region: &str, status: &str, took: Duration) {
        let labels = RegionLabels { region: region.to_owned(), status: status.to_owned() };
        self.region_outcomes.get_or_create(&labels).inc();
        self.region_seconds.get_or_create(&RegionOnly { region: region.to_owned() }).observe(took.as_secs_f64());
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// This process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// Serves `GET /metrics` on `listen` until the task is aborted; `before_render` refreshes
/// gauges read at scrape time (in-flight, breaker states). Returns the task and the address
/// bound (useful when `listen` asks for port 0).
pub async fn serve_metrics(
    listen: SocketAddr,
    before_render: impl Fn() + Clone + Send + Sync + 'static,
) -> std::io::Result<(tokio::task::JoinHandle<()>, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let bound = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let refresh = before_render.clone();
            async move {
                refresh();
                (
                    [(axum::http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
                    METRICS.render(),
                )
            }
        }),
    );
    tracing::info!(target: "toex::ops", listen = %bound, "metrics served at /metrics");
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(target: "toex::ops", %error, "metrics endpoint stopped");
        }
    });
    Ok((task, bound))
}

/// A tower layer counting and timing every RPC by method name and gRPC outcome (the status a
/// trailers-only error carries in its headers; `OK` otherwise, measured to the response headers).
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsLayer;

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService { inner }
    }
}

/// The service produced by [`MetricsLayer`].
#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for MetricsService<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, context: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let operation = request.uri().path().rsplit('/').next().unwrap_or_default().to_owned();
        let started = std::time::Instant::now();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            let outcome = response
                .headers()
                .get("grpc-status")
                .and_then(|value| value.to_str().ok())
                .and_then(|code| code.parse::<i32>().ok())
                .map_or_else(|| "OK".to_owned(), |code| format!("{:?}", tonic::Code::from_i32(code)));
            METRICS.observe_call(&operation, &outcome, started.elapsed());
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_regions_render_as_openmetrics() {
        METRICS.observe_call("sql", "OK", Duration::from_millis(3));
        METRICS.observe_region("NWROCU", "TIMEOUT", Duration::from_secs(2));
        METRICS.shed.inc();
        let text = METRICS.render();
        assert!(text.contains("toex_calls_total{operation=\"sql\",outcome=\"OK\"}"), "{text}");
        assert!(text.contains("toex_region_outcomes_total{region=\"NWROCU\",status=\"TIMEOUT\"}"), "{text}");
        assert!(text.contains("toex_region_seconds_bucket{"), "{text}");
        assert!(text.contains("toex_shed_total"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[tokio::test]
    async fn the_endpoint_serves_the_metrics_over_http() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        METRICS.observe_call("Check", "InvalidArgument", Duration::from_millis(1));
        let refreshed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&refreshed);
        let refresh = move || flag.store(true, std::sync::atomic::Ordering::Relaxed);
        let (task, bound) = serve_metrics("127.0.0.1:0".parse().unwrap(), refresh).await.unwrap();
        let mut stream = tokio::net::TcpStream::connect(bound).await.unwrap();
        stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("application/openmetrics-text"));
        assert!(response.contains("toex_calls_total{operation=\"Check\",outcome=\"InvalidArgument\"}"));
        assert!(refreshed.load(std::sync::atomic::Ordering::Relaxed), "gauges are refreshed at scrape time");
        task.abort();
    }
}
