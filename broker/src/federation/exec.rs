//! Executes a [`RemoteQuery`]: one partition per region, each a streaming call to that region's
//! node. Every region's Arrow schema is checked before its rows are merged, and every region's
//! outcome is recorded. A failed region ends its partition quietly (the answer is then labelled
//! partial) unless the caller required a complete answer.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use arrow::array::{Array, RecordBatch, RecordBatchOptions, new_null_array};
use arrow::datatypes::{DataType, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::physical_planning_context::PhysicalPlanningContext;
use datafusion::logical_expr::{LogicalPlan, UserDefinedLogicalNode};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties};
use datafusion::physical_planner::{ExtensionPlanner, PhysicalPlanner};
use futures::{StreamExt, TryStreamExt, stream};
use toex_common::ipc::IpcDecoder;
use toex_proto::v1::{ExecuteRequest, RegionStatus, execute_response};
use tonic::Code;

use super::catalog::schema_disagreement;
use super::remote::RemoteQuery;
use crate::delegation::Delegation;
use crate::node_client::NodeClient;
use crate::outcomes::Outcomes;

/// What every remote call of one query shares.
#[derive(Debug)]
pub struct QueryScope {
    /// Who the nodes act for, and the hub's grants, signed into every call.
    pub delegation: Delegation,
    pub clients: HashMap<String, Arc<dyn NodeClient>>,
    pub outcomes: Arc<Outcomes>,
    pub require_complete: bool,
    pub region_timeout: Duration,
    /// Regions left out of a table because their schema disagrees, by table name.
    pub excluded: HashMap<String, Vec<(String, String)>>,
}

/// Plans [`RemoteQuery`] nodes into [`RemoteExec`]s for one query.
#[derive(Debug)]
pub struct RemotePlanner {
    pub scope: Arc<QueryScope>,
}

#[async_trait]
impl ExtensionPlanner for RemotePlanner {
    async fn plan_extension(
        &self,
        _planner: &dyn PhysicalPlanner,
        node: &dyn UserDefinedLogicalNode,
        _logical_inputs: &[&LogicalPlan],
        _physical_inputs: &[Arc<dyn ExecutionPlan>],
        _session: &dyn Session,
        _planning_context: &PhysicalPlanningContext,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let Some(remote) = node.as_any().downcast_ref::<RemoteQuery>() else {
            return Ok(None);
        };
        for (region, reason) in self.scope.excluded.get(&remote.table).into_iter().flatten() {
            self.scope.outcomes.fail_without_call(region, RegionStatus::Error, reason);
        }
        let schema: SchemaRef = Arc::new(remote.output.as_arrow().clone());
        let exec = RemoteExec::new(
            remote.table.clone(),
            remote.sql()?,
            remote.regions.clone(),
            schema,
            Arc::clone(&self.scope),
        );
        Ok(Some(Arc::new(exec)))
    }
}

/// The physical plan for one remote query.
pub struct RemoteExec {
    table: String,
    sql: String,
    regions: Vec<String>,
    schema: SchemaRef,
    scope: Arc<QueryScope>,
    properties: Arc<PlanProperties>,
}

impl fmt::Debug for RemoteExec {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("RemoteExec").field("sql", &self.sql).field("regions", &self.regions).finish()
    }
}

impl RemoteExec {
    pub fn new(table: String, sql: String, regions: Vec<String>, schema: SchemaRef, scope: Arc<QueryScope>) -> Self {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            Partitioning::UnknownPartitioning(regions.len().max(1)),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        for region in &regions {
            scope.outcomes.expect_call(region);
        }
        Self { table, sql, regions, schema, scope, properties }
    }

    /// The SQL sent to every region.
    pub fn sql(&self) -> &str {
        &self.sql
    }
}

impl DisplayAs for RemoteExec {
    fn fmt_as(&self, _format: DisplayFormatType, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "RemoteExec: regions={} sql={}", self.regions.len(), self.sql)
    }
}

impl ExecutionPlan for RemoteExec {
    fn name(&self) -> &str {
        "RemoteExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn apply_expressions(
        &self,
        _visit: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn with_new_children(self: Arc<Self>, _children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, partition: usize, _context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let schema = Arc::clone(&self.schema);
        let Some(region) = self.regions.get(partition).cloned() else {
            // No region offers the table: an empty answer, with nothing to account for.
            return Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream::empty())));
        };
        let call = RegionCall {
            region,
            table: self.table.clone(),
            sql: self.sql.clone(),
            schema: Arc::clone(&schema),
            scope: Arc::clone(&self.scope),
        };
        let batches = stream::once(call.run()).try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}

/// A region in scope did not contribute while the caller required a complete answer.
#[derive(Debug, thiserror::Error)]
#[error("region {region} did not answer ({}): {detail}", status.as_str_name())]
pub struct RegionFailed {
    pub region: String,
    pub status: RegionStatus,
    pub detail: String,
}

/// Finds a [`RegionFailed`] at the root of an execution error.
pub fn region_failure(error: &DataFusionError) -> Option<&RegionFailed> {
    match error.find_root() {
        DataFusionError::External(inner) => inner.downcast_ref::<RegionFailed>(),
        _ => None,
    }
}

/// One region's part of a remote query.
struct RegionCall {
    region: String,
    table: String,
    sql: String,
    schema: SchemaRef,
    scope: Arc<QueryScope>,
}

type BatchStream = futures::stream::BoxStream<'static, Result<RecordBatch>>;

/// The message of the status tonic's client produces when a call's own timeout fires.
const CLIENT_TIMEOUT_MESSAGE: &str = "Timeout expired";

/// The status a region gets for a failed call. tonic reports its client-side timeout as
/// `CANCELLED` ("Timeout expired"); that is the region missing its share of the deadline, so it
/// is `TIMEOUT`, not `UNAVAILABLE`.
pub fn call_status(status: &tonic::Status) -> RegionStatus {
    if status.code() == Code::Cancelled && status.message() == CLIENT_TIMEOUT_MESSAGE {
        return RegionStatus::Timeout;
    }
    region_status(status.code())
}

/// The status a region gets for a gRPC failure code.
pub fn region_status(code: Code) -> RegionStatus {
    match code {
        Code::DeadlineExceeded => RegionStatus::Timeout,
        Code::Unavailable | Code::Cancelled | Code::Unknown => RegionStatus::Unavailable,
        Code::PermissionDenied | Code::Unauthenticated => RegionStatus::Denied,
        Code::Ok
        | Code::InvalidArgument
        | Code::NotFound
        | Code::AlreadyExists
        | Code::ResourceExhausted
        | Code::FailedPrecondition
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unimplemented
        | Code::Internal
        | Code::DataLoss => RegionStatus::Error,
    }
}

impl RegionCall {
    /// Records a failure; returns the error to raise when the caller required completeness.
    fn fail(&self, status: RegionStatus, detail: String) -> Result<BatchStream> {
        self.scope.outcomes.finish_call(&self.region, status, &detail);
        if self.scope.require_complete {
            return Err(DataFusionError::External(Box::new(RegionFailed {
                region: self.region.clone(),
                status,
                detail,
            })));
        }
        Ok(stream::empty().boxed())
    }

    async fn run(self) -> Result<BatchStream> {
        let Some(client) = self.scope.clients.get(&self.region).cloned() else {
            return self.fail(RegionStatus::Unavailable, "region is not configured".to_owned());
        };
        let delegation = &self.scope.delegation;
        let unsigned = ExecuteRequest {
            query_id: delegation.query_id().to_owned(),
            sql: self.sql.clone(),
            purpose: Some(delegation.caller().wire_purpose()),
            max_rows: 0,
            delegation_token: String::new(),
        };
        let request = match delegation.sign(unsigned, &self.region, &[self.table.as_str()]) {
            Ok(request) => request,
            Err(detail) => return self.fail(RegionStatus::Error, detail),
        };
        let due = tokio::time::Instant::now() + self.scope.region_timeout;
        let responses = match client.execute(request, self.scope.region_timeout, &delegation.caller().trace).await {
            Ok(responses) => responses,
            Err(status) => return self.fail(call_status(&status), status.message().to_owned()),
        };
        let state = StreamState { call: self, responses, decoder: IpcDecoder::new(), checked: false, rows: 0, due };
        Ok(stream::unfold(Some(state), |state| async move {
            let mut state = state?;
            match state.next_batches().await {
                Step::Batches(batches) => Some((Ok(batches), Some(state))),
                Step::Done => None,
                Step::Failed(error) => Some((Err(error), None)),
            }
        })
        .map_ok(|batches| stream::iter(batches.into_iter().map(Ok)))
        .try_flatten()
        .boxed())
    }
}

enum Step {
    Batches(Vec<RecordBatch>),
    Done,
    Failed(DataFusionError),
}

/// Decodes one region's response stream.
struct StreamState {
    call: RegionCall,
    responses: crate::node_client::ResponseStream,
    decoder: IpcDecoder,
    checked: bool,
    rows: u64,
    /// When the region's share of the deadline ends: a node that stalls mid-stream is cut off
    /// then (its call is dropped, which cancels it at the node) and reported `TIMEOUT`.
    due: tokio::time::Instant,
}

impl StreamState {
    fn failed(&self, status: RegionStatus, detail: String) -> Step {
        match self.call.fail(status, detail) {
            Ok(_) => Step::Done,
            Err(error) => Step::Failed(error),
        }
    }

    async fn next_batches(&mut self) -> Step {
        loop {
            let next = tokio::time::timeout_at(self.due, self.responses.next()).await;
            let Ok(next) = next else {
                return self.failed(
                    RegionStatus::Timeout,
                    format!("no answer within its share of the deadline (after {} rows)", self.rows),
                );
            };
            let message = match next {
                Some(Ok(message)) => message,
                Some(Err(status)) => return self.failed(call_status(&status), status.message().to_owned()),
                None => {
                    return self.failed(
                        RegionStatus::Unavailable,
                        format!("stream ended after {} rows without a summary", self.rows),
                    );
                }
            };
            match message.body {
                Some(execute_response::Body::ArrowIpc(chunk)) => match self.decode(chunk) {
                    Ok(batches) if batches.is_empty() => {}
                    Ok(batches) => return Step::Batches(batches),
                    Err(detail) => return self.failed(RegionStatus::Error, detail),
                },
                Some(execute_response::Body::Summary(summary)) => {
                    let detail = if summary.truncated { "stopped at the node's row or byte cap" } else { "" };
                    let status = if summary.truncated { RegionStatus::Error } else { RegionStatus::Ok };
                    self.call.scope.outcomes.finish_call(&self.call.region, status, detail);
                    return Step::Done;
                }
                None => return self.failed(RegionStatus::Error, "empty message from node".to_owned()),
            }
        }
    }

    /// Decodes a chunk, checks the schema once, and relabels batches with the hub's schema.
    fn decode(&mut self, chunk: Vec<u8>) -> std::result::Result<Vec<RecordBatch>, String> {
        let batches = self.decoder.push(chunk).map_err(|error| format!("unreadable Arrow data: {error}"))?;
        let counts_only = self.call.schema.fields().is_empty();
        if !self.checked
            && !counts_only
            && let Some(found) = self.decoder.schema()
        {
            let expected = relabel_schema(&self.call.schema, &found);
            if let Some(reason) = schema_disagreement(&expected, &found) {
                return Err(format!("answer schema disagrees: {reason}"));
            }
            self.checked = true;
        }
        batches
            .into_iter()
            .map(|batch| {
                let rows = batch.num_rows() as u64;
                self.rows += rows;
                self.call.scope.outcomes.add_rows(&self.call.region, rows);
                let columns = if counts_only { Vec::new() } else { planned_columns(&self.call.schema, &batch) };
                let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
                RecordBatch::try_new_with_options(Arc::clone(&self.call.schema), columns, &options)
                    .map_err(|error| format!("answer does not fit the planned schema: {error}"))
            })
            .collect()
    }
}

/// The batch's columns as the planned schema types them: a column of untyped NULLs (a column a
/// node masked) becomes NULLs of the planned type.
fn planned_columns(planned: &SchemaRef, batch: &RecordBatch) -> Vec<arrow::array::ArrayRef> {
    batch
        .columns()
        .iter()
        .zip(planned.fields())
        .map(|(column, field)| {
            if column.data_type() == &DataType::Null && field.data_type() != &DataType::Null {
                new_null_array(field.data_type(), column.len())
            } else {
                Arc::clone(column)
            }
        })
        .collect()
}

/// The expected schema with the node's column names: nodes name computed columns their own way,
/// so only the count and types of columns must agree. A column the node sends as untyped NULLs
/// (masked) fits any type.
fn relabel_schema(expected: &SchemaRef, found: &SchemaRef) -> arrow::datatypes::Schema {
    let fields: Vec<_> = expected
        .fields()
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let found_field = found.fields().get(index);
            let name = found_field.map_or_else(|| field.name().clone(), |other| other.name().clone());
            let relabelled = field.as_ref().clone().with_name(name);
            match found_field {
                Some(other) if other.data_type() == &DataType::Null => relabelled.with_data_type(DataType::Null),
                _ => relabelled,
            }
        })
        .collect();
    arrow::datatypes::Schema::new(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_timeout_is_a_region_timeout_not_an_outage() {
        assert_eq!(call_status(&tonic::Status::cancelled(CLIENT_TIMEOUT_MESSAGE)), RegionStatus::Timeout);
        assert_eq!(call_status(&tonic::Status::cancelled("stream reset")), RegionStatus::Unavailable);
        assert_eq!(call_status(&tonic::Status::deadline_exceeded("late")), RegionStatus::Timeout);
        assert_eq!(call_status(&tonic::Status::permission_denied("no")), RegionStatus::Denied);
    }
}
