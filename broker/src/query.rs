//! The hub's domain logic for analytical SQL: check, plan over the federated catalogue, federate,
//! and start execution. Independent of gRPC.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::execute_stream;
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use datafusion::prelude::SessionContext;
use toex_audit::{AuditLog, AuditRecord, CompletionStatus, Decision, RecordKind};
use toex_common::pump::Caps;
use toex_common::release::AuditedRelease;
use toex_common::session::locked_down_session;
use toex_common::sql_guard::{check_read_only_select, read_only_options};
use toex_policy::{PolicyEngine, RegionExplanation, RequestKind, plan_shape};
use toex_proto::v1::RegionStatus;
use toex_security::DelegationSigner;
use tracing::{info, instrument};

use crate::access::{QueryAccess, decide_query, restrict_federated_scans};
use crate::admission::{Admission, Ticket};
use crate::answer_release::AnswerRelease;
use crate::audit_trail::{self, Completion};
use crate::caller::Caller;
use crate::config::HubConfig;
use crate::deadline::Deadline;
use crate::delegation::Delegation;
use crate::error::HubError;
use crate::federation::catalog::{FederatedCatalog, build_catalog};
use crate::federation::exec::{QueryScope, RemotePlanner};
use crate::federation::rewrite::federate;
use crate::federation::table::FederatedTable;
use crate::node_client::{GrpcNodeClient, RegionClients};
use crate::outcomes::Outcomes;
use crate::registry::Registry;

/// Rows per record batch at the hub.
pub const HUB_BATCH_SIZE: usize = 8192;

/// An analytical SQL request.
#[derive(Debug, Clone)]
pub struct SqlQuery {
    pub sql: String,
    pub require_complete: bool,
    pub max_rows: u64,
    /// When the whole answer is due.
    pub deadline: Deadline,
}

/// A started answer: rows stream from `stream`. Every batch passes `release` (a durable
/// disclosure record) before it is sent, and `release` records how the answer ended from the
/// regions' account, which fills in as they answer.
pub struct SqlAnswer {
    pub query_id: String,
    pub stream: SendableRecordBatchStream,
    /// Where the answer stops, marked truncated.
    pub caps: Caps,
    pub release: AnswerRelease,
    /// When the answer must have ended (the caller's deadline less the margin).
    pub deadline: Deadline,
    /// The in-flight slot, held until the answer has finished streaming.
    pub ticket: Ticket,
}

/// The national hub.
pub struct Hub {
    config: HubConfig,
    registry: Arc<Registry>,
    policy: PolicyEngine,
    signer: Arc<DelegationSigner>,
    audit: Arc<AuditLog>,
    admission: Admission,
}

impl Hub {
    /// A hub over the given node clients (in configuration order), deciding with `policy` and
    /// signing delegations with `signer`.
    pub fn new(
        config: HubConfig,
        clients: RegionClients,
        policy: PolicyEngine,
        signer: DelegationSigner,
        audit: AuditLog,
    ) -> Self {
        let registry = Arc::new(Registry::new(clients));
        let admission = Admission::new(&config.limits);
        Self { config, registry, policy, signer: Arc::new(signer), audit: Arc::new(audit), admission }
    }

    /// A hub as its configuration describes: mutual TLS to every node (plaintext in dev mode
    /// only), its Cedar policy and its delegation key. Refuses to build on any missing or bad file.
    pub fn from_config(config: HubConfig) -> Result<Self, HubError> {
        let audit = AuditLog::open(config.audit.clone())
            .map_err(|error| HubError::Setup(format!("audit trail {}: {error}", config.audit.dir.display())))?;
        Self::from_config_with_audit(config, audit)
    }

    /// As [`Hub::from_config`] with an audit trail opened by the caller (for example over
    /// injected storage in fault tests).
    pub fn from_config_with_audit(config: HubConfig, audit: AuditLog) -> Result<Self, HubError> {
        let policy = match &config.policy {
            Some(files) => files.engine(toex_policy::HUB_LABEL),
            None => PolicyEngine::default_hub(),
        }
        .map_err(|error| HubError::Setup(error.to_string()))?;
        let key_file = &config.delegation_key_file;
        let pem = std::fs::read_to_string(key_file).map_err(|error| {
            HubError::Setup(format!("cannot read delegation_key_file {}: {error}", key_file.display()))
        })?;
        let signer = DelegationSigner::new(&pem)
            .map_err(|error| HubError::Setup(format!("delegation_key_file {}: {error}", key_file.display())))?;
        let clients = GrpcNodeClient::for_regions(&config)?;
        Ok(Self::new(config, clients, policy, signer, audit))
    }

    /// Admission control (in-flight limit, per-principal rates).
    pub fn admission(&self) -> &Admission {
        &self.admission
    }

    /// The hub's audit trail.
    pub fn audit(&self) -> &Arc<AuditLog> {
        &self.audit
    }

    /// The hub's own policy engine.
    pub fn policy(&self) -> &PolicyEngine {
        &self.policy
    }

    /// The key that signs delegations.
    pub fn signer(&self) -> &Arc<DelegationSigner> {
        &self.signer
    }

    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    /// Protobuf bytes received from every node since start: what federation costs on the wire.
    pub fn bytes_from_nodes(&self) -> u64 {
        self.registry().snapshot().iter().map(|region| region.client.bytes_received()).sum()
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Checks, decides, plans and starts one analytical query for `caller`. The consultation
    /// is durable in the audit trail before anything is fanned out; a refusal is recorded too.
    #[instrument(skip_all, fields(query_id, subject = %caller.claims.subject))]
    pub async fn sql(&self, caller: &Caller, query: SqlQuery) -> Result<SqlAnswer, HubError> {
        let ticket = self.admission.admit(&caller.claims.subject)?;
        let query_id = uuid::Uuid::new_v4().to_string();
        tracing::Span::current().record("query_id", query_id.as_str());
        let template = audit_trail::record(
            RecordKind::Consultation,
            &query_id,
            caller,
            "sql",
            Some(query.sql.clone()),
            Vec::new(),
        );
        match self.start_sql(caller, &query, &query_id, &template, ticket).await {
            Ok(answer) => Ok(answer),
            Err(error) => {
                audit_trail::record_refusal(&self.audit, template, &error).await?;
                Err(error)
            }
        }
    }

    async fn start_sql(
        &self,
        caller: &Caller,
        query: &SqlQuery,
        query_id: &str,
        template: &AuditRecord,
        ticket: Ticket,
    ) -> Result<SqlAnswer, HubError> {
        check_read_only_select(&query.sql)?;
        let region_timeout = query.deadline.region_share(self.config.limits.region_timeout())?;
        let query_id = query_id.to_owned();
        let regions = self.registry.snapshot();
        let catalog = build_catalog(&regions);
        let context = federated_context(&catalog)?;
        let resolved = resolved_plan(&context, &query.sql).await?;
        let access = decide_query(&self.policy, caller, &plan_shape(&resolved), &catalog)?;
        let restricted = restrict_federated_scans(resolved, caller, &access)?;
        audit_trail::append(&self.audit, consultation(template, &access)).await?;

        let outcomes = Arc::new(Outcomes::new());
        access.record_refusals(&outcomes);
        let delegation = Delegation::new(Arc::clone(&self.signer), caller.clone(), query_id.clone(), access.grants());
        let scope = Arc::new(QueryScope {
            delegation,
            clients: regions.iter().map(|region| (region.code.clone(), Arc::clone(&region.client))).collect(),
            outcomes: Arc::clone(&outcomes),
            require_complete: query.require_complete,
            region_timeout,
            excluded: catalog.iter().map(|(name, def)| (name.clone(), def.excluded.clone())).collect::<HashMap<_, _>>(),
        });

        let federated = federate_plan(&context, restricted)?;
        let state = context.state();
        let planner = DefaultPhysicalPlanner::with_extension_planners(vec![Arc::new(RemotePlanner { scope })]);
        let physical = planner.create_physical_plan(&federated, &state).await.map_err(HubError::Plan)?;
        let stream = execute_stream(physical, context.task_ctx()).map_err(HubError::Execution)?;
        info!(query_id = %query_id, "query planned");
        let disclosures = AuditedRelease::new(Arc::clone(&self.audit), template.clone(), audit_trail::FEDERATION);
        let completion = Completion { log: Arc::clone(&self.audit), template: template.clone() };
        let release = AnswerRelease::new(disclosures, completion, outcomes, query_id.clone(), query.require_complete);
        Ok(SqlAnswer {
            query_id,
            stream,
            caps: Caps { rows: self.config.limits.row_cap(query.max_rows), bytes: self.config.limits.max_answer_bytes },
            release,
            deadline: query.deadline,
            ticket,
        })
    }

    /// For `caller`, decides and plans a query and returns the federated logical plan, with the
    /// SQL each region would receive, as text (for tests and diagnostics). Touches no data.
    pub async fn explain_plan(&self, caller: &Caller, sql: &str) -> Result<String, HubError> {
        check_read_only_select(sql)?;
        let catalog = build_catalog(&self.registry.snapshot());
        let context = federated_context(&catalog)?;
        let resolved = resolved_plan(&context, sql).await?;
        let access = decide_query(&self.policy, caller, &plan_shape(&resolved), &catalog)?;
        let restricted = restrict_federated_scans(resolved, caller, &access)?;
        Ok(federate_plan(&context, restricted)?.display_indent().to_string())
    }

    /// Policy dry run: for `caller`, what each region would release from each table `sql` reads,
    /// and which hub policies decided it. Plans the query but touches no data and calls no node.
    pub async fn explain(&self, caller: &Caller, sql: &str) -> Result<(RequestKind, Vec<RegionExplanation>), HubError> {
        let query_id = uuid::Uuid::new_v4().to_string();
        let mut record = audit_trail::record(
            RecordKind::Consultation,
            &query_id,
            caller,
            "explain",
            Some(sql.to_owned()),
            Vec::new(),
        );
        record.note = Some("policy dry run: no data touched, no region asked".to_owned());
        audit_trail::append(&self.audit, record).await?;
        check_read_only_select(sql)?;
        let catalog = build_catalog(&self.registry.snapshot());
        let context = federated_context(&catalog)?;
        let shape = plan_shape(&resolved_plan(&context, sql).await?);
        let kind = if shape.aggregate_only { RequestKind::Aggregate } else { RequestKind::Sql };
        let (principal, purpose) = (caller.principal(), caller.policy_purpose());
        let mut explanations = Vec::new();
        for table in &shape.tables {
            let regions = catalog.get(table).map(|def| def.regions.clone()).unwrap_or_default();
            explanations.extend(self.policy.explain(&principal, &purpose, kind, std::slice::from_ref(table), &regions));
        }
        Ok((kind, explanations))
    }
}

/// The consultation record: the regions asked and what the hub's policy decided for each.
fn consultation(template: &AuditRecord, access: &QueryAccess) -> AuditRecord {
    let mut record = template.clone();
    let mut decisions: BTreeMap<String, Decision> = BTreeMap::new();
    for (region, _) in access.released.values().flatten() {
        decisions.insert(region.clone(), Decision::Allow);
    }
    for (region, status, _) in &access.refused {
        let refused = if *status == RegionStatus::HitOnly { Decision::HitOnly } else { Decision::Deny };
        decisions.entry(region.clone()).or_insert(refused);
    }
    record.regions_asked = decisions
        .iter()
        .filter(|(_, decision)| **decision == Decision::Allow)
        .map(|(region, _)| region.clone())
        .collect();
    record.region_outcomes =
        decisions.into_iter().map(|(region, decision)| audit_trail::decided(&region, decision)).collect();
    record.completion = Some(CompletionStatus::InProgress);
    record
}

/// Plans `sql` read-only into DataFusion's resolved (not yet optimized) plan.
async fn resolved_plan(context: &SessionContext, sql: &str) -> Result<LogicalPlan, HubError> {
    Ok(context.sql_with_options(sql, read_only_options()).await.map_err(HubError::Plan)?.into_unoptimized_plan())
}

/// Runs DataFusion's optimizer over a restricted plan, then the federation rewrite.
fn federate_plan(context: &SessionContext, plan: LogicalPlan) -> Result<LogicalPlan, HubError> {
    let optimized = context.state().optimize(&plan).map_err(HubError::Plan)?;
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
