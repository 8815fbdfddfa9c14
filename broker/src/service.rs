//! The thin tonic adapter for the public hub API.

use std::sync::Arc;

use toex_audit::CompletionStatus;
use toex_common::pump::{Chunk, PumpError, RESPONSE_CHANNEL_DEPTH, pump};
use toex_common::time::rfc3339;
use toex_common::trace_context::TraceContext;
use toex_policy::RegionExplanation;
use toex_proto::v1::hub_server;
use toex_proto::v1::{
    AccessExplanation, ArrowIpc, AuditSearchRequest, AuditSearchResponse, CheckRequest, CheckResponse, ExplainRequest,
    ExplainResponse, RegionInfo, RegionsRequest, RegionsResponse, SearchRequest, SearchResponse, SqlRequest,
    SqlResponse, TableInfo, sql_response,
};
use toex_security::{Purpose, Role};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use tracing::{Instrument, info, warn};

use crate::caller::Caller;
use crate::check::CheckQuery;
use crate::deadline::{Deadline, GRPC_TIMEOUT_HEADER};
use crate::error::HubError;
use crate::federation::exec::region_failure;
use crate::outcomes::complete;
use crate::query::{Hub, SqlAnswer, SqlQuery};
use crate::search::SearchQuery;

/// The gRPC face of a [`Hub`].
#[derive(Clone)]
pub struct HubService {
    hub: Arc<Hub>,
}

impl HubService {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }

    /// The call's deadline from its `grpc-timeout` (the hub's default when there is none).
    fn deadline<T>(&self, request: &Request<T>) -> Result<Deadline, Status> {
        let header = request.metadata().get(GRPC_TIMEOUT_HEADER).and_then(|value| value.to_str().ok());
        Ok(Deadline::for_call(header, &self.hub.config().limits)?)
    }
}

fn chunk_message(chunk: Chunk) -> SqlResponse {
    let body = match chunk {
        Chunk::Schema(data) => sql_response::Body::Schema(ArrowIpc { data }),
        Chunk::Batch(data) => sql_response::Body::Batch(ArrowIpc { data }),
    };
    SqlResponse { body: Some(body) }
}

#[tonic::async_trait]
impl hub_server::Hub for HubService {
    type SqlStream = ReceiverStream<Result<SqlResponse, Status>>;

    async fn sql(&self, request: Request<SqlRequest>) -> Result<Response<Self::SqlStream>, Status> {
        let claims = toex_security::claims(&request)?;
        let trace = trace_of(&request);
        let deadline = self.deadline(&request)?;
        let request = request.into_inner();
        let caller = caller(claims, request.purpose.as_ref(), trace)?;
        let query = SqlQuery {
            sql: request.sql,
            require_complete: request.require_complete,
            max_rows: request.max_rows,
            deadline,
        };
        let answer = self.hub.sql(&caller, query).await?;
        let (sender, receiver) = mpsc::channel(RESPONSE_CHANNEL_DEPTH);
        tokio::spawn(stream_answer(answer, sender).instrument(tracing::Span::current()));
        Ok(Response::new(ReceiverStream::new(receiver)))
    }

    async fn check(&self, request: Request<CheckRequest>) -> Result<Response<CheckResponse>, Status> {
        let claims = toex_security::claims(&request)?;
        let trace = trace_of(&request);
        let deadline = self.deadline(&request)?;
        let request = request.into_inner();
        let caller = caller(claims, request.purpose.as_ref(), trace)?;
        let query =
            CheckQuery { identifiers: request.identifiers, require_complete: request.require_complete, deadline };
        let answer = self.hub.check(&caller, query).await?;
        Ok(Response::new(CheckResponse {
            query_id: answer.query_id,
            results: answer.results,
            regions: answer.regions,
            complete: answer.complete,
        }))
    }

    async fn search(&self, request: Request<SearchRequest>) -> Result<Response<SearchResponse>, Status> {
        let claims = toex_security::claims(&request)?;
        let trace = trace_of(&request);
        let deadline = self.deadline(&request)?;
        let request = request.into_inner();
        let caller = caller(claims, request.purpose.as_ref(), trace)?;
        let query = SearchQuery {
            criteria: request.criteria.unwrap_or_default(),
            require_complete: request.require_complete,
            deadline,
        };
        let answer = self.hub.search(&caller, query).await?;
        Ok(Response::new(SearchResponse {
            query_id: answer.query_id,
            searched: answer.searched,
            matches: answer.matches,
            groups: answer.groups,
            withheld: answer.withheld,
            regions: answer.regions,
            complete: answer.complete,
            safeguarding: answer.safeguarding,
            truncated: answer.truncated,
        }))
    }

    async fn explain(&self, request: Request<ExplainRequest>) -> Result<Response<ExplainResponse>, Status> {
        let claims = toex_security::claims(&request)?;
        let trace = trace_of(&request);
        let request = request.into_inner();
        let caller = caller(claims, request.purpose.as_ref(), trace)?;
        let (kind, explanations) = self.hub.explain(&caller, &request.sql).await?;
        Ok(Response::new(ExplainResponse {
            request_kind: kind.as_str().to_owned(),
            explanations: explanations.into_iter().map(explanation_message).collect(),
        }))
    }

    async fn audit_search(
        &self,
        request: Request<AuditSearchRequest>,
    ) -> Result<Response<AuditSearchResponse>, Status> {
        let claims = toex_security::claims(&request)?;
        let trace = trace_of(&request);
        let request = request.into_inner();
        let caller = caller(claims, request.purpose.as_ref(), trace)?;
        let answer =
            self.hub.audit_search(&caller, request.filters.unwrap_or_default(), request.include_regions).await?;
        Ok(Response::new(AuditSearchResponse { entries: answer.entries, regions: answer.regions }))
    }

    async fn regions(&self, request: Request<RegionsRequest>) -> Result<Response<RegionsResponse>, Status> {
        let claims = toex_security::claims(&request)?;
        // Whole-table counts include rows above a caller's clearance (INV-7): analysts do not get them.
        let counts_released = claims.has_role(Role::Auditor) || claims.has_role(Role::System);
        let regions = self
            .hub
            .registry()
            .snapshot()
            .into_iter()
            .map(|region| RegionInfo {
                code: region.code,
                name: region.name,
                health: region.health as i32,
                detail: region.detail,
                data_freshness: region.freshness,
                last_checked: region.last_checked.map(rfc3339).unwrap_or_default(),
                tables: region
                    .tables
                    .unwrap_or_default()
                    .into_iter()
                    .map(|table| TableInfo {
                        name: table.name,
                        arrow_schema: Vec::new(),
                        rows: if counts_released { table.rows } else { 0 },
                        common_data_model: table.common_data_model,
                        data_freshness: table.freshness,
                    })
                    .collect(),
                contact_point: region.contact_point,
            })
            .collect();
        Ok(Response::new(RegionsResponse {
            regions,
            hub_version: env!("CARGO_PKG_VERSION").to_owned(),
            row_counts_withheld: !counts_released,
        }))
    }
}

/// The verified caller with a validated purpose; a missing or poor purpose is `INVALID_ARGUMENT`
/// and nothing is planned or fanned out.
/// The trace the tracing layer put on a call.
fn trace_of<T>(request: &Request<T>) -> TraceContext {
    request.extensions().get::<TraceContext>().copied().unwrap_or_else(TraceContext::root)
}

fn caller(
    claims: Arc<toex_security::VerifiedClaims>,
    purpose: Option<&toex_proto::v1::Purpose>,
    trace: TraceContext,
) -> Result<Caller, Status> {
    let Some(purpose) = purpose else {
        return Err(HubError::BadRequest("purpose is required: a justification and a case reference".to_owned()).into());
    };
    let purpose = Purpose::parse(&purpose.justification, &purpose.case_reference)
        .map_err(|error| HubError::BadRequest(error.to_string()))?;
    Ok(Caller { claims, purpose, trace })
}

fn explanation_message(explanation: RegionExplanation) -> AccessExplanation {
    let toex_policy::HandlingCRule::OwningRegionOnly { home_region } = &explanation.handling_c;
    AccessExplanation {
        region: explanation.region,
        table: explanation.table,
        access: explanation.access.as_str().to_owned(),
        reasons: explanation.reasons,
        max_classification: explanation.max_classification.map(|level| level.as_str().to_owned()).unwrap_or_default(),
        handling_c: format!(
            "handling code C records are released in full only to their owning region ({}); elsewhere they count as hits with their conditions",
            if home_region.is_empty() { "you have no home region" } else { home_region.as_str() }
        ),
        masked_columns: explanation.masked_columns,
    }
}

/// Streams an answer to the caller, then its summary (or the status that replaces it). Every
/// batch is recorded before it is sent; the completion record says how the answer ended (with
/// the last disclosure when the answer ends cleanly, see [`crate::answer_release::AnswerRelease`]).
async fn stream_answer(answer: SqlAnswer, sender: mpsc::Sender<Result<SqlResponse, Status>>) {
    let SqlAnswer { query_id, stream, caps, mut release, deadline, ticket } = answer;
    let streamed =
        tokio::time::timeout_at(deadline.answer_by(), pump(stream, caps, &sender, chunk_message, &mut release)).await;
    // The in-flight slot is free once nothing more is read from the regions.
    drop(ticket);
    let Ok(pumped) = streamed else {
        warn!(query_id = %query_id, "deadline passed while streaming; region calls cancelled");
        let error = HubError::DeadlineExceeded("the call's deadline passed before the answer was complete".to_owned());
        if let Err(audit_error) = release.record_end(CompletionStatus::Failed, Some(error.to_string())).await {
            warn!(query_id = %query_id, error = %audit_error, "completion record not written");
        }
        let _ = sender.send(Err(error.into())).await;
        return;
    };
    let (ended, recorded) = match pumped {
        Err(PumpError::ReaderGone) => {
            info!(query_id = %query_id, "caller went away");
            let note = Some("the caller went away; the disclosure records show what was sent".to_owned());
            if let Err(error) = release.record_end(CompletionStatus::Failed, note).await {
                warn!(query_id = %query_id, %error, "completion record not written");
            }
            return;
        }
        Err(PumpError::Execution(error)) => {
            warn!(query_id = %query_id, "query failed");
            let failure = match region_failure(&error) {
                Some(failure) => HubError::Incomplete(failure.to_string()),
                None if release.require_complete() && !complete(&release.regions()) => {
                    HubError::Incomplete("a region did not answer and a complete answer was required".to_owned())
                }
                None => HubError::Execution(error),
            };
            (Err(failure), false)
        }
        Err(PumpError::Encode(error)) => (Err(HubError::Encode(error)), false),
        Err(PumpError::Refused(refused)) => (Err(HubError::AuditUnavailable(refused.to_string())), false),
        // The gate decided at the last batch; should it not have, decide now.
        Ok(outcome) => release.take_end().unwrap_or_else(|| (release.summary_of(&outcome), false)),
    };
    let final_message = match ended {
        Ok(summary) => {
            let status = crate::audit_trail::answered(summary.complete);
            let written = if recorded { Ok(()) } else { release.record_end(status, None).await };
            match written {
                Ok(()) => {
                    info!(query_id = %query_id, rows = summary.rows, complete = summary.complete, "query answered");
                    Ok(SqlResponse { body: Some(sql_response::Body::Summary(summary)) })
                }
                Err(error) => Err(error.into()),
            }
        }
        Err(error) => {
            if let Err(audit_error) = release.record_end(CompletionStatus::Failed, Some(error.to_string())).await {
                warn!(query_id = %query_id, error = %audit_error, "completion record not written");
            }
            Err(error.into())
        }
    };
    // The caller may already have gone; there is no one left to tell.
    let _ = sender.send(final_message).await;
}
