//! The thin tonic adapter for the node API: converts between protobuf and the engine's types.

use std::sync::Arc;

use toex_audit::{CompletionStatus, RecordKind};
use toex_common::audit_filters::search_query;
use toex_common::ipc::schema_to_bytes;
use toex_common::pump::{Chunk, PumpError, RESPONSE_CHANNEL_DEPTH, pump};
use toex_common::release::AuditedRelease;
use toex_common::signed_request::SignedRequest;
use toex_common::time::rfc3339;
use toex_policy::{Access, RequestKind};
use toex_proto::v1::node_server::Node;
use toex_proto::v1::{
    CatalogRequest, CatalogResponse, ExecuteRequest, ExecuteResponse, ExecuteSummary, NodeAuditSearchRequest,
    NodeAuditSearchResponse, NodeCheckRequest, NodeCheckResponse, NodeSearchRequest, NodeSearchResponse, TableInfo,
    execute_response,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use tracing::{Instrument, info, warn};

use crate::audit_trail::{self, Subject};
use crate::engine::NodeEngine;
use crate::error::NodeError;
use crate::guard::Delegated;

/// The pseudo-table an audit search is granted on in delegation tokens.
pub const AUDIT_DATASET: &str = "audit";

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
        let started = std::time::Instant::now();
        let request = request.into_inner();
        let audit = Arc::clone(self.engine.audit());
        let subject = || Subject {
            query_id: &request.query_id,
            region: self.engine.region(),
            operation: "sql",
            text: Some(request.sql.clone()),
            identifiers: Vec::new(),
        };
        let caller = self.verified(&request, &request.query_id, subject()).await?;
        let template = audit_trail::record(RecordKind::Consultation, subject(), Some(&caller));
        let mut consultation = template.clone();
        consultation.completion = Some(CompletionStatus::InProgress);
        // Committed while the query is planned and run; nothing leaves before it is durable.
        let consulted = audit_trail::submit(&audit, consultation).await?;
        let stream = match self.engine.execute(&request.sql, &caller).await {
            Ok(stream) => stream,
            Err(error) => {
                warn!(query_id = %request.query_id, kind = error_kind(&error), "query refused");
                return Err(audit_trail::refusal(&audit, template, error).await.into());
            }
        };
        let caps = self.engine.caps(request.max_rows);
        let (sender, receiver) = mpsc::channel(RESPONSE_CHANNEL_DEPTH);
        let query_id = request.query_id;
        let mut release = AuditedRelease::new(Arc::clone(&audit), template.clone(), self.engine.region())
            .after(consulted)
            .ending_with(audit_trail::completion(template.clone(), CompletionStatus::Complete, None));
        tokio::spawn(async move {
            let pumped = pump(stream, caps, &sender, chunk_message, &mut release).await;
            let (status, note, reply) = match pumped {
                Ok(outcome) => {
                    let elapsed_us = started.elapsed().as_micros() as u64;
                    info!(query_id = %query_id, rows = outcome.rows, truncated = outcome.truncated, elapsed_us, "query answered");
                    let summary = ExecuteSummary { rows: outcome.rows, truncated: outcome.truncated };
                    let message = ExecuteResponse { body: Some(execute_response::Body::Summary(summary)) };
                    (CompletionStatus::Complete, None, Some(Ok(message)))
                }
                Err(PumpError::ReaderGone) => {
                    info!(query_id = %query_id, "query cancelled by the hub");
                    (CompletionStatus::Failed, Some("cancelled by the hub".to_owned()), None)
                }
                Err(PumpError::Execution(error)) => {
                    warn!(query_id = %query_id, "query failed during execution");
                    let error = NodeError::Execution(error);
                    (CompletionStatus::Failed, Some(error.to_string()), Some(Err(error.into())))
                }
                Err(PumpError::Encode(error)) => {
                    warn!(query_id = %query_id, "encoding the result failed");
                    let error = NodeError::Arrow(error);
                    (CompletionStatus::Failed, Some(error.to_string()), Some(Err(error.into())))
                }
                Err(PumpError::Refused(refused)) => {
                    let error = NodeError::AuditUnavailable(refused.to_string());
                    (CompletionStatus::Failed, Some(error.to_string()), Some(Err(error.into())))
                }
            };
            // A clean end was recorded with the last disclosure; any other end is recorded here.
            let recorded = if release.recorded_end() {
                Ok(())
            } else {
                audit_trail::append(&audit, audit_trail::completion(template, status, note)).await
            };
            let reply = match (recorded, reply) {
                (Ok(()), reply) => reply,
                (Err(error), Some(_)) => Some(Err(error.into())),
                (Err(_), None) => None,
            };
            if let Some(reply) = reply {
                // The reader may have gone between the last batch and the summary: nothing to do.
                let _ = sender.send(reply).await;
            }
        }.instrument(tracing::Span::current()));
        Ok(Response::new(ReceiverStream::new(receiver)))
    }

    async fn check(&self, request: Request<NodeCheckRequest>) -> Result<Response<NodeCheckResponse>, Status> {
        let request = request.into_inner();
        let audit = Arc::clone(self.engine.audit());
        let subject = || Subject {
            query_id: &request.query_id,
            region: self.engine.region(),
            operation: "hit_no_hit",
            text: None,
            identifiers: request.identifiers.iter().map(|identifier| identifier.value.clone()).collect(),
        };
        let caller = self.verified(&request, &request.query_id, subject()).await?;
        let template = audit_trail::record(RecordKind::Consultation, subject(), Some(&caller));
        let hits = match self.engine.check(&request.identifiers, &caller) {
            Ok(hits) => hits,
            Err(error) => {
                warn!(query_id = %request.query_id, kind = error_kind(&error), "check refused");
                let consulted = vec![template.clone()];
                return Err(audit_trail::refusal_after(&audit, consulted, template, error).await.into());
            }
        };
        let counted = hits.iter().map(|hit| hit.count).sum();
        let disclosure = audit_trail::hits_disclosed(template.clone(), self.engine.region(), counted);
        audit_trail::append_all(&audit, vec![template, disclosure]).await?;
        info!(query_id = %request.query_id, identifiers = hits.len(), "check answered");
        Ok(Response::new(NodeCheckResponse { hits }))
    }

    async fn search(&self, request: Request<NodeSearchRequest>) -> Result<Response<NodeSearchResponse>, Status> {
        let request = request.into_inner();
        let audit = Arc::clone(self.engine.audit());
        let subject = || Subject {
            query_id: &request.query_id,
            region: self.engine.region(),
            operation: "search",
            text: None,
            identifiers: audit_trail::searched(&request),
        };
        let caller = self.verified(&request, &request.query_id, subject()).await?;
        let template = audit_trail::record(RecordKind::Consultation, subject(), Some(&caller));
        let outcome = match self.engine.search(&request, &caller) {
            Ok(outcome) => outcome,
            Err(error) => {
                warn!(query_id = %request.query_id, kind = error_kind(&error), "search refused");
                let consulted = vec![template.clone()];
                return Err(audit_trail::refusal_after(&audit, consulted, template, error).await.into());
            }
        };
        let disclosure = audit_trail::search_disclosed(template.clone(), self.engine.region(), &outcome);
        audit_trail::append_all(&audit, vec![template, disclosure]).await?;
        info!(
            query_id = %request.query_id,
            matches = outcome.response.matches.len(),
            withheld = outcome.response.withheld,
            "search answered"
        );
        Ok(Response::new(outcome.response))
    }

    async fn audit_search(
        &self,
        request: Request<NodeAuditSearchRequest>,
    ) -> Result<Response<NodeAuditSearchResponse>, Status> {
        let request = request.into_inner();
        let audit = Arc::clone(self.engine.audit());
        let caller = self.verified(&request, &request.query_id, self.subject_of(&request)).await?;
        match self.search_trail(&request, &caller).await {
            Ok(records_json) => Ok(Response::new(NodeAuditSearchResponse { records_json })),
            Err(error) => {
                let record = audit_trail::record(RecordKind::AuditSearch, self.subject_of(&request), Some(&caller));
                Err(audit_trail::refusal(&audit, record, error).await.into())
            }
        }
    }
}

impl NodeService {
    /// Searches this node's trail for an auditor, after the node's own policy agrees.
    async fn search_trail(
        &self,
        request: &NodeAuditSearchRequest,
        caller: &Delegated,
    ) -> Result<Vec<String>, NodeError> {
        let decided = self.engine.guard().table_access(caller, AUDIT_DATASET, RequestKind::Audit);
        if decided.access != Access::Records {
            return Err(NodeError::Denied(format!(
                "{} does not release its audit trail to this caller",
                self.engine.region()
            )));
        }
        let query = search_query(&request.filters.clone().unwrap_or_default()).map_err(NodeError::BadRequest)?;
        let auditor = audit_trail::record(RecordKind::AuditSearch, self.subject_of(request), Some(caller));
        let found = self
            .engine
            .audit()
            .search_recorded(auditor.acting_for.unwrap_or_default(), auditor.purpose.unwrap_or_default(), &query)
            .await
            .map_err(|error| NodeError::AuditUnavailable(error.to_string()))?;
        found
            .iter()
            .map(|record| serde_json::to_string(record).map_err(|error| NodeError::Setup(error.to_string())))
            .collect()
    }

    fn subject_of<'a>(&'a self, request: &'a NodeAuditSearchRequest) -> Subject<'a> {
        Subject {
            query_id: &request.query_id,
            region: self.engine.region(),
            operation: "audit_search",
            text: None,
            identifiers: Vec::new(),
        }
    }

    /// Verifies a request's delegation token, recording a refusal in the trail (the audit's
    /// own failure replaces the refusal, since then only `UNAVAILABLE` may be answered).
    async fn verified(
        &self,
        request: &impl SignedRequest,
        query_id: &str,
        subject: Subject<'_>,
    ) -> Result<Delegated, NodeError> {
        match self.delegated(request, query_id) {
            Ok(caller) => Ok(caller),
            Err(error) => {
                let record = audit_trail::record(RecordKind::Denied, subject, None);
                Err(audit_trail::refusal(self.engine.audit(), record, error).await)
            }
        }
    }

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
        NodeError::AuditUnavailable(_) => "audit_unavailable",
        NodeError::Setup(_) => "setup",
    }
}
