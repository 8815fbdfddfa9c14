//! The thin tonic adapter for the node API: converts between protobuf and the engine's types.

use std::sync::Arc;

use toex_common::ipc::schema_to_bytes;
use toex_common::pump::{Chunk, PumpError, RESPONSE_CHANNEL_DEPTH, pump};
use toex_common::signed_request::SignedRequest;
use toex_common::time::rfc3339;
use toex_proto::v1::node_server::Node;
use toex_proto::v1::{
    CatalogRequest, CatalogResponse, ExecuteRequest, ExecuteResponse, ExecuteSummary, NodeCheckRequest,
    NodeCheckResponse, TableInfo, execute_response,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use tracing::{info, warn};

use crate::engine::NodeEngine;
use crate::error::NodeError;
use crate::guard::Delegated;

/// The gRPC face of a [`NodeEngine`].
#[derive(Clone)]
pub struct NodeService {
    engine: Arc<NodeEngine>,
}

impl NodeService {
    pub fn new(engine: Arc<NodeEngine>) -> Self {
        Self { engine }
    }
}

fn chunk_message(chunk: Chunk) -> ExecuteResponse {
    let bytes = match chunk {
        Chunk::Schema(bytes) | Chunk::Batch(bytes) => bytes,
    };
    ExecuteResponse { body: Some(execute_response::Body::ArrowIpc(bytes)) }
}

#[tonic::async_trait]
impl Node for NodeService {
    async fn catalog(&self, _request: Request<CatalogRequest>) -> Result<Response<CatalogResponse>, Status> {
        let catalog = self.engine.catalog();
        let tables = catalog
            .tables
            .iter()
            .map(|table| {
                Ok(TableInfo {
                    name: table.name.clone(),
                    arrow_schema: schema_to_bytes(&table.schema).map_err(NodeError::Arrow)?,
                    rows: table.rows,
                    common_data_model: table.common_data_model,
                    data_freshness: rfc3339(table.freshness),
                })
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        Ok(Response::new(CatalogResponse {
            region: catalog.region,
            tables,
            data_freshness: rfc3339(catalog.freshness),
            contact_point: catalog.contact_point,
            node_version: env!("CARGO_PKG_VERSION").to_owned(),
        }))
    }

    type ExecuteStream = ReceiverStream<Result<ExecuteResponse, Status>>;

    async fn execute(&self, request: Request<ExecuteRequest>) -> Result<Response<Self::ExecuteStream>, Status> {
        let request = request.into_inner();
        let caller = self.delegated(&request, &request.query_id)?;
        let stream = self.engine.execute(&request.sql, &caller).await.inspect_err(|error| {
            warn!(query_id = %request.query_id, kind = error_kind(error), "query refused");
        })?;
        let max_rows = self.engine.max_rows(request.max_rows);
        let (sender, receiver) = mpsc::channel(RESPONSE_CHANNEL_DEPTH);
        let query_id = request.query_id;
        tokio::spawn(async move {
            match pump(stream, Some(max_rows), &sender, chunk_message).await {
                Ok(outcome) => {
                    info!(query_id = %query_id, rows = outcome.rows, truncated = outcome.truncated, "query answered");
                    let summary = ExecuteSummary { rows: outcome.rows, truncated: outcome.truncated };
                    let message = ExecuteResponse { body: Some(execute_response::Body::Summary(summary)) };
                    // The reader may have gone between the last batch and the summary: nothing to do.
                    let _ = sender.send(Ok(message)).await;
                }
                Err(PumpError::ReaderGone) => info!(query_id = %query_id, "query cancelled by the hub"),
                Err(PumpError::Execution(error)) => {
                    warn!(query_id = %query_id, "query failed during execution");
                    let _ = sender.send(Err(NodeError::Execution(error).into())).await;
                }
                Err(PumpError::Encode(error)) => {
                    warn!(query_id = %query_id, "encoding the result failed");
                    let _ = sender.send(Err(NodeError::Arrow(error).into())).await;
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(receiver)))
    }

    async fn check(&self, request: Request<NodeCheckRequest>) -> Result<Response<NodeCheckResponse>, Status> {
        let request = request.into_inner();
        let caller = self.delegated(&request, &request.query_id)?;
        let hits = self.engine.check(&request.identifiers, &caller).await.inspect_err(|error| {
            warn!(query_id = %request.query_id, kind = error_kind(error), "check refused");
        })?;
        info!(query_id = %request.query_id, identifiers = hits.len(), "check answered");
        Ok(Response::new(NodeCheckResponse { hits }))
    }
}

impl NodeService {
    /// Verifies the delegation token a request carries; nothing is planned without one.
    fn delegated(&self, request: &impl SignedRequest, query_id: &str) -> Result<Delegated, NodeError> {
        self.engine.note_data_request();
        if query_id.is_empty() {
            return Err(NodeError::BadRequest("query_id is required".to_owned()));
        }
        self.engine.guard().verify(request.delegation_token(), &request.signed_bytes(), query_id)
    }
}

/// A short label for logs; never the message, which may quote the query.
fn error_kind(error: &NodeError) -> &'static str {
    match error {
        NodeError::Refused(_) => "refused",
        NodeError::Plan(_) => "plan",
        NodeError::Execution(_) => "execution",
        NodeError::BadRequest(_) => "bad_request",
        NodeError::Schema(_) => "schema",
        NodeError::Load(_) => "load",
        NodeError::Arrow(_) => "arrow",
        NodeError::Unauthenticated => "unauthenticated",
        NodeError::Denied(_) => "denied",
        NodeError::Rules(_) => "rules",
        NodeError::Setup(_) => "setup",
    }
}
