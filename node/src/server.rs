//! Serving a node: binds the gRPC service to a listener until a shutdown future completes.

use std::future::Future;
use std::sync::Arc;

use toex_common::ipc::MAX_MESSAGE_BYTES;
use toex_proto::v1::node_server::NodeServer;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;

use crate::engine::NodeEngine;
use crate::service::NodeService;

/// Serves `engine` on `listener` until `shutdown` resolves, then drains in-flight calls.
pub async fn serve(
    engine: Arc<NodeEngine>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let service = NodeServer::new(NodeService::new(engine))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await
}
