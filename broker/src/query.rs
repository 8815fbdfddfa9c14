//! The hub's domain logic for analytical SQL: check, plan over the federated catalogue, federate,
//! and start execution. Independent of gRPC.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::execute_stream;
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use datafusion::prelude::SessionContext;
use toex_common::session::locked_down_session;
use toex_common::sql_guard::{check_read_only_select, read_only_options};
use toex_proto::v1::Purpose;
use tracing::{info, instrument};

use crate::config::HubConfig;
use crate::error::HubError;
use crate::federation::catalog::{FederatedCatalog, build_catalog};
use crate::federation::exec::{QueryScope, RemotePlanner};
use crate::federation::rewrite::federate;
use crate::federation::table::FederatedTable;
use crate::node_client::{GrpcNodeClient, NodeClient};
use crate::outcomes::Outcomes;
use crate::registry::Registry;

/// Rows per record batch at the hub.
pub const HUB_BATCH_SIZE: usize = 8192;

/// An analytical SQL request.
#[derive(Debug, Clone)]
pub struct SqlQuery {
    pub sql: String,
    pub purpose: Purpose,
    pub require_complete: bool,
    pub max_rows: u64,
}

/// A started answer: rows stream from `stream`; `outcomes` fills in as regions answer.
pub struct SqlAnswer {
    pub query_id: String,
    pub stream: SendableRecordBatchStream,
    pub outcomes: Arc<Outcomes>,
    pub row_cap: u64,
    pub require_complete: bool,
}

/// The national hub.
pub struct Hub {
    config: HubConfig,
    registry: Arc<Registry>,
}

impl Hub {
    /// A hub over the given node clients (in configuration order).
    pub fn new(config: HubConfig, clients: Vec<(String, Arc<dyn NodeClient>)>) -> Self {
        Self { config, registry: Arc::new(Registry::new(clients)) }
    }

    /// A hub that reaches its nodes over plaintext gRPC (development and tests).
    pub fn with_plaintext_nodes(config: HubConfig) -> Result<Self, tonic::transport::Error> {
        let connect_timeout = config.limits.connect_timeout();
        let clients = config
            .regions
            .iter()
            .map(|region| {
                let client = GrpcNodeClient::connect_lazy(&region.code, &region.endpoint, connect_timeout)?;
                Ok((region.code.clone(), Arc::new(client) as Arc<dyn NodeClient>))
            })
            .collect::<Result<Vec<_>, tonic::transport::Error>>()?;
        Ok(Self::new(config, clients))
    }

    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Checks, plans and starts one analytical query.
    #[instrument(skip_all, fields(query_id))]
    pub async fn sql(&self, query: SqlQuery) -> Result<SqlAnswer, HubError> {
        check_purpose(&query.purpose)?;
        check_read_only_select(&query.sql)?;
        let query_id = uuid::Uuid::new_v4().to_string();
        tracing::Span::current().record("query_id", query_id.as_str());

        let regions = self.registry.snapshot();
        let catalog = build_catalog(&regions);
        let context = federated_context(&catalog)?;
        let outcomes = Arc::new(Outcomes::new());
        let scope = Arc::new(QueryScope {
            query_id: query_id.clone(),
            purpose: query.purpose.clone(),
            clients: regions.iter().map(|region| (region.code.clone(), Arc::clone(&region.client))).collect(),
            outcomes: Arc::clone(&outcomes),
            require_complete: query.require_complete,
            region_timeout: self.config.limits.region_timeout(),
            excluded: catalog.iter().map(|(name, def)| (name.clone(), def.excluded.clone())).collect::<HashMap<_, _>>(),
        });

        let federated = federated_plan(&context, &query.sql).await?;
        let state = context.state();
        let planner = DefaultPhysicalPlanner::with_extension_planners(vec![Arc::new(RemotePlanner { scope })]);
        let physical = planner.create_physical_plan(&federated, &state).await.map_err(HubError::Plan)?;
        let stream = execute_stream(physical, context.task_ctx()).map_err(HubError::Execution)?;
        info!(query_id = %query_id, "query planned");
        Ok(SqlAnswer {
            query_id,
            stream,
            outcomes,
            row_cap: self.config.limits.row_cap(query.max_rows),
            require_complete: query.require_complete,
        })
    }

    /// Plans a query and returns the federated logical plan, with the SQL each region would
    /// receive, as text (for tests and diagnostics). Touches no data.
    pub async fn explain_plan(&self, sql: &str) -> Result<String, HubError> {
        check_read_only_select(sql)?;
        let context = federated_context(&build_catalog(&self.registry.snapshot()))?;
        Ok(federated_plan(&context, sql).await?.display_indent().to_string())
    }
}

/// Minimal purpose check: both parts present. Richer checks come with the identity layer.
fn check_purpose(purpose: &Purpose) -> Result<(), HubError> {
    if purpose.justification.trim().is_empty() {
        return Err(HubError::BadRequest("purpose.justification is required".to_owned()));
    }
    if purpose.case_reference.trim().is_empty() {
        return Err(HubError::BadRequest("purpose.case_reference is required".to_owned()));
    }
    Ok(())
}

/// Plans `sql` read-only, runs DataFusion's optimizer, then the federation rewrite.
async fn federated_plan(context: &SessionContext, sql: &str) -> Result<LogicalPlan, HubError> {
    let logical =
        context.sql_with_options(sql, read_only_options()).await.map_err(HubError::Plan)?.into_unoptimized_plan();
    let optimized = context.state().optimize(&logical).map_err(HubError::Plan)?;
    federate(optimized).map_err(HubError::Plan)
}

/// A locked-down session whose tables are the federated catalogue.
fn federated_context(catalog: &FederatedCatalog) -> Result<SessionContext, HubError> {
    let context = SessionContext::new_with_state(locked_down_session(HUB_BATCH_SIZE).build());
    for (name, def) in catalog {
        let table =
            FederatedTable { name: name.clone(), schema: Arc::clone(&def.schema), regions: def.regions.clone() };
        context.register_table(name.as_str(), Arc::new(table)).map_err(HubError::Plan)?;
    }
    Ok(context)
}
