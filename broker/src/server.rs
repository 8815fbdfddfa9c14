//! Serving the hub: discovers the regions, then binds the public gRPC service, behind TLS and the
//! bearer-token authentication layer, to a listener until a shutdown future completes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use toex_common::health::{report_audit_health, report_draining, seal_trail};
use toex_common::ipc::MAX_MESSAGE_BYTES;
use toex_common::metrics::{METRICS, MetricsLayer, RegionOnly, serve_metrics};
use toex_common::reflection::with_reflection;
use toex_common::trace_context::TraceLayer;
use toex_common::transport::{drain_within, limited_server};
use toex_proto::v1::hub_server::HubServer;
use toex_security::{AuthLayer, GRPC_HEALTH_PATH_PREFIX, TokenVerifier};
use toex_tls::{PublicTlsMode, public_server_config_from_files, serve_tls_incoming};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;

use crate::breaker::BreakerState;
use crate::error::HubError;
use crate::query::Hub;
use crate::service::HubService;
use crate::shed::ShedLayer;

/// Serves `hub` on `listener` until `shutdown` resolves, refreshing region catalogues meanwhile.
/// Every call must carry a bearer token the configured issuers signed.
pub async fn serve(
    hub: Arc<Hub>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), HubError> {
    let verifier =
        TokenVerifier::from_config(&hub.config().auth).map_err(|error| HubError::Setup(format!("auth: {error}")))?;
    let auth = AuthLayer::new(Arc::new(verifier)).exempt_path_prefix(GRPC_HEALTH_PATH_PREFIX);
    let grace = hub.config().limits.drain_grace();
    let reflection = hub.config().reflection_enabled().map_err(|error| HubError::Setup(error.to_string()))?;
    let public_tls = hub.config().public_tls.clone();
    let tls_config = match public_tls.mode {
        PublicTlsMode::Tls => {
            let (Some(cert), Some(key)) = (&public_tls.cert_file, &public_tls.key_file) else {
                return Err(HubError::Setup("public_tls.cert_file and public_tls.key_file are required".to_owned()));
            };
            Some(
                public_server_config_from_files(cert, key)
                    .map_err(|error| HubError::Setup(format!("public_tls: {error}")))?,
            )
        }
        PublicTlsMode::Plaintext => None,
    };

    let metrics = match hub.config().metrics_listen {
        Some(listen) => {
            let watched = Arc::clone(&hub);
            let refresh = move || refresh_gauges(&watched);
            Some(
                serve_metrics(listen, refresh)
                    .await
                    .map_err(|error| HubError::Setup(format!("metrics_listen {listen}: {error}")))?
                    .0,
            )
        }
        None => None,
    };
    hub.registry().refresh().await;
    let interval = Duration::from_secs(hub.config().discovery_interval_secs);
    let discovery = hub.registry().spawn_discovery(interval);
    let audit = Arc::clone(hub.audit());
    let (health, health_service) = tonic_health::server::health_reporter();
    let health_task = tokio::spawn(report_audit_health::<HubServer<HubService>>(health.clone(), Arc::clone(&audit)));
    // On shutdown: stop reporting the trail's state, say NOT_SERVING, then let calls drain.
    let health_abort = health_task.abort_handle();
    let shutdown = async move {
        shutdown.await;
        health_abort.abort();
        report_draining::<HubServer<HubService>>(&health).await;
    };
    let shed = ShedLayer::new(Arc::clone(&hub));
    let service = HubServer::new(HubService::new(hub))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    // Shedding comes first: an overloaded hub must not verify tokens it will refuse anyway.
    let router = limited_server()
        .layer(TraceLayer)
        .layer(MetricsLayer)
        .layer(toex_common::wire_status::WireStatusLayer)
        .layer(shed)
        .layer(auth)
        .add_service(health_service)
        .add_service(service);
    let router =
        with_reflection(router, reflection).map_err(|error| HubError::Setup(format!("reflection: {error}")))?;
    let (shutdown, drain) = drain_within(shutdown, grace);
    let serving = async move {
        match tls_config {
            Some(config) => router.serve_with_incoming_shutdown(serve_tls_incoming(listener, config), shutdown).await,
            None => {
                tracing::warn!("dev mode: serving the hub's public endpoint without tls");
                router.serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown).await
            }
        }
    };
    let served = tokio::select! {
        served = serving => served,
        () = drain.passed() => {
            tracing::warn!("drain grace period over: closing the calls still open");
            Ok(())
        }
    };
    discovery.abort();
    health_task.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    seal_trail(&audit).await;
    served.map_err(|error| HubError::Setup(format!("transport: {error}")))
}

/// Gauges read at scrape time: requests in flight and each region's circuit.
fn refresh_gauges(hub: &Hub) {
    METRICS.in_flight.set(i64::try_from(hub.admission().in_flight()).unwrap_or(i64::MAX));
    for region in hub.registry().snapshot() {
        let open = region.client.breaker_state() != BreakerState::Closed;
        METRICS.breaker_open.get_or_create(&RegionOnly { region: region.code.clone() }).set(i64::from(open));
    }
}
