//! Serving a node: builds the transport the configuration asks for (mutual TLS that accepts only
//! the hub's certificate identity, or plaintext in dev mode) and binds the gRPC service to a
//! listener until a shutdown future completes.

use std::future::Future;
use std::sync::Arc;

use toex_common::health::{report_audit_health, report_draining, seal_trail};
use toex_common::ipc::MAX_MESSAGE_BYTES;
use toex_common::metrics::{MetricsLayer, serve_metrics};
use toex_common::reflection::with_reflection;
use toex_common::trace_context::TraceLayer;
use toex_common::transport::{drain_within, limited_server};
use toex_proto::v1::node_server::NodeServer;
use toex_tls::{LinkTlsMode, node_server_config_from_files, serve_tls_incoming_with_limits};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;

use crate::engine::NodeEngine;
use crate::error::NodeError;
use crate::service::NodeService;

/// Why a node stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration cannot be served.
    #[error("{0}")]
    Config(String),
    /// The TLS configuration could not be loaded.
    #[error("tls: {0}")]
    Tls(String),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
}

impl From<ServeError> for NodeError {
    fn from(error: ServeError) -> Self {
        NodeError::Setup(error.to_string())
    }
}

/// Serves `engine` on `listener` until `shutdown` resolves, then drains in-flight calls.
pub async fn serve(
    engine: Arc<NodeEngine>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let tls = engine.config().tls.clone();
    let grace = engine.config().limits.drain_grace();
    let reflection = engine.config().reflection_enabled().map_err(|error| ServeError::Config(error.to_string()))?;
    let metrics = match engine.config().metrics_listen {
        Some(listen) => Some(
            serve_metrics(listen, || {})
                .await
                .map_err(|error| ServeError::Config(format!("metrics_listen {listen}: {error}")))?
                .0,
        ),
        None => None,
    };
    let audit = Arc::clone(engine.audit());
    let service = NodeServer::new(NodeService::new(engine))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let (health, health_service) = tonic_health::server::health_reporter();
    let health_task = tokio::spawn(report_audit_health::<NodeServer<NodeService>>(health.clone(), Arc::clone(&audit)));
    let health_abort = health_task.abort_handle();
    let shutdown = async move {
        shutdown.await;
        health_abort.abort();
        report_draining::<NodeServer<NodeService>>(&health).await;
    };
    let router = limited_server()
        .layer(TraceLayer)
        .layer(MetricsLayer)
        .layer(toex_common::wire_status::WireStatusLayer)
        .add_service(health_service)
        .add_service(service);
    let router =
        with_reflection(router, reflection).map_err(|error| ServeError::Config(format!("reflection: {error}")))?;
    let (shutdown, drain) = drain_within(shutdown, grace);
    let serving = async move {
        match tls.mode {
            LinkTlsMode::Mtls => {
                let (Some(ca), Some(cert), Some(key)) = (&tls.ca_file, &tls.cert_file, &tls.key_file) else {
                    return Err(ServeError::Tls("tls.ca_file, tls.cert_file and tls.key_file are required".to_owned()));
                };
                let config =
                    node_server_config_from_files(ca, cert, key).map_err(|error| ServeError::Tls(error.to_string()))?;
                let incoming = serve_tls_incoming_with_limits(listener, config, tls.incoming_limits());
                router.serve_with_incoming_shutdown(incoming, shutdown).await.map_err(ServeError::from)
            }
            // Validation refuses plaintext outside dev mode.
            LinkTlsMode::Plaintext => {
                tracing::warn!("dev mode: serving the node without tls");
                router
                    .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
                    .await
                    .map_err(ServeError::from)
            }
            LinkTlsMode::ServerOnly => {
                Err(ServeError::Tls("tls.mode = \"server_only\" is not supported by a node: use \"mtls\"".to_owned()))
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
    health_task.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    seal_trail(&audit).await;
    served
}
