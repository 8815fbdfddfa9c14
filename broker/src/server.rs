//! Serving the hub: discovers the regions, then binds the public gRPC service to a listener until
//! a shutdown future completes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use toex_common::ipc::MAX_MESSAGE_BYTES;
use toex_proto::v1::hub_server::HubServer;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use crate::query::Hub;
use crate::service::HubService;

/// Serves `hub` on `listener` until `shutdown` resolves, refreshing region catalogues meanwhile.
pub async fn serve(
    hub: Arc<Hub>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    hub.registry().refresh().await;
    let interval = Duration::from_secs(hub.config().discovery_interval_secs);
    let discovery = hub.registry().spawn_discovery(interval);
    let service = HubServer::new(HubService::new(hub))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let served = Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await;
    discovery.abort();
    served
}
