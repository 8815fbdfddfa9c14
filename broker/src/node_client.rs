//! How the hub talks to a node: a small trait with a gRPC implementation, so fan-out logic does
//! not depend on the transport.

use std::fmt;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use toex_common::ipc::MAX_MESSAGE_BYTES;
use toex_common::trace_context::TraceContext;

use toex_proto::v1::node_client::NodeClient as GrpcClient;
use toex_proto::v1::{
    CatalogRequest, CatalogResponse, ExecuteRequest, ExecuteResponse, NodeAuditSearchRequest, NodeAuditSearchResponse,
    NodeCheckRequest, NodeCheckResponse, NodeSearchRequest, NodeSearchResponse,
};
use toex_tls::{HubTls, LinkTlsMode, node_channel};
use tonic::Status;
use tonic::transport::{Channel, Endpoint};

use crate::breaker::{BreakerClient, BreakerState};
use crate::config::HubConfig;
use crate::error::HubError;

/// A stream of node response messages.
pub type ResponseStream = BoxStream<'static, Result<ExecuteResponse, Status>>;

/// Every configured region's client, in configuration order.
pub type RegionClients = Vec<(String, Arc<dyn NodeClient>)>;

/// One region's node, as the hub sees it.
#[tonic::async_trait]
pub trait NodeClient: Send + Sync + fmt::Debug {
    /// The node's catalogue.
    async fn catalog(&self, timeout: Duration) -> Result<CatalogResponse, Status>;
    /// Starts a query; the stream yields IPC chunks then a summary.
    async fn execute(
        &self,
        request: ExecuteRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<ResponseStream, Status>;
    /// Hit/no-hit counts for a list of identifiers.
    async fn check(
        &self,
        request: NodeCheckRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeCheckResponse, Status>;
    /// Searches the node's audit trail for an auditor.
    async fn audit_search(
        &self,
        request: NodeAuditSearchRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeAuditSearchResponse, Status>;
    /// Entity search over the node's indexes.
    async fn search(
        &self,
        request: NodeSearchRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeSearchResponse, Status>;
    /// Protobuf bytes received from the node since start (answers and streamed chunks).
    fn bytes_received(&self) -> u64;
    /// The state of the circuit breaker in front of the node, if any.
    fn breaker_state(&self) -> BreakerState {
        BreakerState::Closed
    }
}

/// How long an idle HTTP/2 connection waits between keepalive pings.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// How long a keepalive ping may go unanswered before the connection is closed.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(5);

/// A node reached over gRPC. The connection is made lazily and reused across queries.
#[derive(Clone)]
pub struct GrpcNodeClient {
    region: String,
    client: GrpcClient<Channel>,
    /// Protobuf bytes of every answer received from the node.
    received: Arc<AtomicU64>,
}

impl fmt::Debug for GrpcNodeClient {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("GrpcNodeClient").field("region", &self.region).finish()
    }
}

impl GrpcNodeClient {
    /// One client per configured region, each behind a circuit breaker: mutual TLS pinned to each
    /// node's identity, or plaintext when `node_tls.mode = "plaintext"` (dev mode only; validation
    /// refuses it otherwise).
    pub fn for_regions(config: &HubConfig) -> Result<RegionClients, HubError> {
        let tls = &config.node_tls;
        let hub_tls = match (tls.mode, &tls.ca_file, &tls.cert_file, &tls.key_file) {
            (LinkTlsMode::Plaintext, _, _, _) => None,
            (_, Some(ca), Some(cert), Some(key)) => {
                Some(HubTls::from_files(ca, cert, key).map_err(|error| HubError::Setup(format!("node_tls: {error}")))?)
            }
            _ => return Err(HubError::Setup("node_tls.ca_file, cert_file and key_file are required".to_owned())),
        };
        let connect_timeout = config.limits.connect_timeout();
        config
            .regions
            .iter()
            .map(|region| {
                let client = match &hub_tls {
                    Some(hub_tls) => {
                        let channel = node_channel(&region.endpoint, &region.code, hub_tls)
                            .map_err(|error| HubError::Setup(format!("region {}: {error}", region.code)))?;
                        Self::from_channel(&region.code, channel)
                    }
                    None => Self::connect_lazy(&region.code, &region.endpoint, connect_timeout)
                        .map_err(|error| HubError::Setup(format!("region {}: {error}", region.code)))?,
                };
                let guarded = BreakerClient::new(&region.code, Arc::new(client), config.limits.breaker());
                Ok((region.code.clone(), Arc::new(guarded) as Arc<dyn NodeClient>))
            })
            .collect()
    }

    /// A plaintext (development) connection to `endpoint`.
    pub fn connect_lazy(
        region: &str,
        endpoint: &str,
        connect_timeout: Duration,
    ) -> Result<Self, tonic::transport::Error> {
        let channel = Endpoint::from_shared(endpoint.to_owned())?
            .connect_timeout(connect_timeout)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(KEEPALIVE_INTERVAL)
            .keep_alive_timeout(KEEPALIVE_TIMEOUT)
            .keep_alive_while_idle(true)
            .initial_stream_window_size(toex_tls::channel::HTTP2_STREAM_WINDOW_BYTES)
            .initial_connection_window_size(toex_tls::channel::HTTP2_CONNECTION_WINDOW_BYTES)
            .connect_lazy();
        Ok(Self::from_channel(region, channel))
    }

    /// Wraps an existing channel (for example one secured with mTLS).
    pub fn from_channel(region: &str, channel: Channel) -> Self {
        let client = GrpcClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Self { region: region.to_owned(), client, received: Arc::new(AtomicU64::new(0)) }
    }

    fn count<M: prost::Message>(&self, message: M) -> M {
        self.received.fetch_add(message.encoded_len() as u64, AtomicOrdering::Relaxed);
        message
    }
}

/// A call to a node: `message` with the caller's share of the deadline, carrying on the query's
/// trace when it has one (catalogue refreshes belong to no query).
fn outgoing<T>(message: T, timeout: Duration, trace: Option<&TraceContext>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(timeout);
    if let Some(trace) = trace {
        trace.inject(request.metadata_mut());
    }
    request
}

#[tonic::async_trait]
impl NodeClient for GrpcNodeClient {
    async fn catalog(&self, timeout: Duration) -> Result<CatalogResponse, Status> {
        let request = outgoing(CatalogRequest {}, timeout, None);
        let mut client = self.client.clone();
        Ok(client.catalog(request).await?.into_inner())
    }

    async fn execute(
        &self,
        request: ExecuteRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<ResponseStream, Status> {
        let request = outgoing(request, timeout, Some(trace));
        let mut client = self.client.clone();
        let stream = client.execute(request).await?.into_inner();
        let received = Arc::clone(&self.received);
        Ok(stream
            .inspect(move |message| {
                if let Ok(message) = message {
                    received.fetch_add(prost::Message::encoded_len(message) as u64, AtomicOrdering::Relaxed);
                }
            })
            .boxed())
    }

    async fn check(
        &self,
        request: NodeCheckRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeCheckResponse, Status> {
        let request = outgoing(request, timeout, Some(trace));
        let mut client = self.client.clone();
        Ok(self.count(client.check(request).await?.into_inner()))
    }

    async fn audit_search(
        &self,
        request: NodeAuditSearchRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeAuditSearchResponse, Status> {
        let request = outgoing(request, timeout, Some(trace));
        let mut client = self.client.clone();
        Ok(self.count(client.audit_search(request).await?.into_inner()))
    }

    async fn search(
        &self,
        request: NodeSearchRequest,
        timeout: Duration,
        trace: &TraceContext,
    ) -> Result<NodeSearchResponse, Status> {
        let request = outgoing(request, timeout, Some(trace));
        let mut client = self.client.clone();
        Ok(self.count(client.search(request).await?.into_inner()))
    }

    fn bytes_received(&self) -> u64 {
        self.received.load(AtomicOrdering::Relaxed)
    }
}
