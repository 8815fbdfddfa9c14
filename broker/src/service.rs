//! The thin tonic adapter for the public hub API.

use std::sync::Arc;

use toex_common::pump::{Chunk, PumpError, RESPONSE_CHANNEL_DEPTH, pump};
use toex_common::time::rfc3339;
use toex_proto::v1::hub_server;
use toex_proto::v1::{
    AnswerSummary, ArrowIpc, RegionInfo, RegionStatus, RegionsRequest, RegionsResponse, SqlRequest, SqlResponse,
    TableInfo, sql_response,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use tracing::{info, warn};

use crate::error::HubError;
use crate::federation::exec::region_failure;
use crate::outcomes::all_ok;
use crate::query::{Hub, SqlAnswer, SqlQuery};

/// The gRPC face of a [`Hub`].
#[derive(Clone)]
pub struct HubService {
    hub: Arc<Hub>,
}

impl HubService {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
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
        let request = request.into_inner();
        let query = SqlQuery {
            sql: request.sql,
            purpose: request.purpose.unwrap_or_default(),
            require_complete: request.require_complete,
            max_rows: request.max_rows,
        };
        let answer = self.hub.sql(query).await?;
        let (sender, receiver) = mpsc::channel(RESPONSE_CHANNEL_DEPTH);
        tokio::spawn(stream_answer(answer, sender));
        Ok(Response::new(ReceiverStream::new(receiver)))
    }

    async fn regions(&self, _request: Request<RegionsRequest>) -> Result<Response<RegionsResponse>, Status> {
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
                        rows: table.rows,
                        common_data_model: table.common_data_model,
                        data_freshness: table.freshness,
                    })
                    .collect(),
                contact_point: region.contact_point,
            })
            .collect();
        Ok(Response::new(RegionsResponse { regions, hub_version: env!("CARGO_PKG_VERSION").to_owned() }))
    }
}

/// Streams an answer to the caller, then its summary (or the status that replaces it).
async fn stream_answer(answer: SqlAnswer, sender: mpsc::Sender<Result<SqlResponse, Status>>) {
    let SqlAnswer { query_id, stream, outcomes, row_cap, require_complete } = answer;
    let pumped = pump(stream, Some(row_cap), &sender, chunk_message).await;
    let regions = outcomes.snapshot();
    let final_message = match pumped {
        Err(PumpError::ReaderGone) => {
            info!(query_id = %query_id, "caller went away");
            return;
        }
        Err(PumpError::Execution(error)) => {
            warn!(query_id = %query_id, "query failed");
            let status: Status = match region_failure(&error) {
                Some(failure) => HubError::Incomplete(failure.to_string()).into(),
                None if require_complete && !all_ok(&regions) => {
                    HubError::Incomplete("a region did not answer and a complete answer was required".to_owned()).into()
                }
                None => HubError::Execution(error).into(),
            };
            Err(status)
        }
        Err(PumpError::Encode(error)) => Err(HubError::Encode(error).into()),
        Ok(outcome) => {
            let answered = regions.iter().filter(|region| region.status == RegionStatus::Ok as i32).count();
            if !regions.is_empty() && answered == 0 {
                let failed: Vec<_> = regions
                    .iter()
                    .map(|region| {
                        let status = RegionStatus::try_from(region.status).unwrap_or(RegionStatus::Unspecified);
                        format!("{} {}: {}", region.region, status.as_str_name(), region.detail)
                    })
                    .collect();
                Err(HubError::Incomplete(format!("no region answered ({})", failed.join("; "))).into())
            } else if require_complete && !all_ok(&regions) {
                Err(HubError::Incomplete("a region did not answer and a complete answer was required".to_owned())
                    .into())
            } else {
                info!(query_id = %query_id, rows = outcome.rows, complete = all_ok(&regions), "query answered");
                let summary = AnswerSummary {
                    query_id,
                    complete: all_ok(&regions),
                    regions,
                    rows: outcome.rows,
                    truncated: outcome.truncated,
                };
                Ok(SqlResponse { body: Some(sql_response::Body::Summary(summary)) })
            }
        }
    };
    // The caller may already have gone; there is no one left to tell.
    let _ = sender.send(final_message).await;
}
