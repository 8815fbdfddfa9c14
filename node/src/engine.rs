//! The node's domain logic: its catalogue and read-only query execution, independent of gRPC.

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use std::collections::{BTreeMap, BTreeSet};

use datafusion::execution::TaskContext;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::physical_plan::{SendableRecordBatchStream, execute_stream};
use toex_common::identifiers::identifier_column;
use toex_common::pump::Caps;
use toex_common::search::SEARCH_TABLES;
use toex_common::sql_guard::{check_read_only_select, read_only_options};
use toex_policy::{PlanShape, RequestKind, Visibility, plan_shape, restrict_scans};
use toex_proto::v1::{Identifier, IdentifierKind, NodeHit, NodeSearchRequest};

use crate::config::NodeConfig;
use crate::datasets::{self, LoadedTable, RegionData};
use crate::error::NodeError;
use crate::guard::{Delegated, NodeGuard};
use crate::plan_cache::{Resolved, TableRules, only_immutable_functions};
use crate::search::{self, SearchOutcome, SearchRules};
use crate::stage_timer::StageTimer;

/// What the node offers, as reported to the hub.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub region: String,
    pub contact_point: String,
    pub tables: Vec<LoadedTable>,
    pub freshness: SystemTime,
}

/// One region's query engine.
pub struct NodeEngine {
    config: NodeConfig,
    data: RwLock<Arc<RegionData>>,
    guard: NodeGuard,
    audit: Arc<toex_audit::AuditLog>,
    data_requests: std::sync::atomic::AtomicU64,
}

impl NodeEngine {
    /// Loads the region's data and its security: the hub's delegation key and the node's own
    /// policy. Refuses to open when either is missing or invalid.
    pub async fn open(config: NodeConfig) -> Result<Self, NodeError> {
        let deps = toex_audit::LogDeps::from_config(&config.audit)
            .map_err(|error| NodeError::Setup(format!("audit trail {}: {error}", config.audit.dir.display())))?;
        Self::open_with_audit(config, deps).await
    }

    /// As [`NodeEngine::open`], with the audit trail over injected storage, clock and key.
    pub async fn open_with_audit(config: NodeConfig, audit_deps: toex_audit::LogDeps) -> Result<Self, NodeError> {
        let policy = match &config.policy {
            Some(files) => NodeGuard::policy_from(&config.region, files)?,
            None => NodeGuard::default_policy(&config.region)?,
        };
        let guard = NodeGuard::from_files(&config.region, &config.hub_delegation_key_file, policy)?;
        let data = datasets::load(&config).await?;
        let audit = toex_audit::AuditLog::open_with(config.audit.clone(), audit_deps)
            .map_err(|error| NodeError::Setup(format!("audit trail {}: {error}", config.audit.dir.display())))?;
        Ok(Self {
            config,
            data: RwLock::new(Arc::new(data)),
            guard,
            audit: Arc::new(audit),
            data_requests: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The node's audit trail.
    pub fn audit(&self) -> &Arc<toex_audit::AuditLog> {
        &self.audit
    }

    /// Counts a data request (execute or check) arriving, before any check of it.
    pub fn note_data_request(&self) {
        self.data_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many data requests have arrived since start, refused ones included.
    pub fn data_requests(&self) -> u64 {
        self.data_requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The delegation and policy checks this node applies.
    pub fn guard(&self) -> &NodeGuard {
        &self.guard
    }

    /// The region this node serves.
    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// The node's configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    fn snapshot(&self) -> Arc<RegionData> {
        // A poisoned lock only means a reload panicked; the last loaded data is still whole.
        self.data.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Re-reads every table. Queries already running keep the data they started with.
    pub async fn reload(&self) -> Result<(), NodeError> {
        let fresh = Arc::new(datasets::load(&self.config).await?);
        *self.data.write().unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// The tables offered, with schemas, row counts and freshness.
    pub fn catalog(&self) -> Catalog {
        let data = self.snapshot();
        Catalog {
            region: self.config.region.clone(),
            contact_point: self.config.contact_point.clone(),
            tables: data.tables.clone(),
            freshness: data.freshness(),
        }
    }

    /// Checks and plans one read-only SELECT for `caller` and starts executing it. Every table
    /// the resolved plan reads is decided by the node's own policy (narrowed by the hub's grant)
    /// and read through its row and column rules, so nothing above a scan sees a hidden row.
    /// Resolved and optimised plans are reused from the snapshot's
    /// [`crate::plan_cache::PlanCache`]; the decisions and rules are made for every query, and
    /// the rules are part of the optimised plan's key.
    pub async fn execute(&self, sql: &str, caller: &Delegated) -> Result<SendableRecordBatchStream, NodeError> {
        let mut stages = StageTimer::start();
        check_read_only_select(sql)?;
        let data = self.snapshot();
        let resolved = match data.plans.resolved(sql) {
            Some(resolved) => resolved,
            None => {
                let plan = data.planning.create_logical_plan(sql).await.map_err(NodeError::Plan)?;
                read_only_options().verify_plan(&plan).map_err(NodeError::Plan)?;
                let resolved = Resolved {
                    shape: plan_shape(&plan),
                    optimised_plan_reusable: only_immutable_functions(&plan),
                    plan,
                };
                data.plans.keep_resolved(sql, resolved.clone());
                resolved
            }
        };
        stages.mark("parse");
        let rules = self.table_rules(&data, caller, &resolved.shape)?;
        stages.mark("policy");
        // A plan calling `now()` is optimised afresh against a state stamped with this query's
        // start time; every other plan against the snapshot's state, and only once per rules.
        let state =
            if resolved.optimised_plan_reusable { Arc::clone(&data.planning) } else { Arc::new(data.context.state()) };
        let kept = resolved.optimised_plan_reusable.then(|| data.plans.optimised(sql, &rules)).flatten();
        let optimised = match kept {
            Some(plan) => plan,
            None => {
                let restricted = restrict_scans(resolved.plan, &rules)?;
                let plan = state.optimize(&restricted).map_err(NodeError::Plan)?;
                if resolved.optimised_plan_reusable {
                    data.plans.keep_optimised(sql, rules, plan.clone());
                }
                plan
            }
        };
        stages.mark("optimise");
        let physical =
            state.query_planner().create_physical_plan(&optimised, state.as_ref()).await.map_err(NodeError::Plan)?;
        stages.mark("physical");
        let task = TaskContext::from(state.as_ref()).with_runtime(self.query_runtime(&data)?);
        let stream = execute_stream(physical, Arc::new(task)).map_err(NodeError::Execution)?;
        stages.mark("execute");
        stages.report();
        Ok(stream)
    }

    /// The node's decision for every table `shape` reads, as row and column rules; refuses the
    /// whole query when any table releases no rows to `caller` for this kind of request. A table
    /// `data` found wholly this region's at load is filtered without a per-row ownership test.
    fn table_rules(&self, data: &RegionData, caller: &Delegated, shape: &PlanShape) -> Result<TableRules, NodeError> {
        let kind = if shape.aggregate_only { RequestKind::Aggregate } else { RequestKind::Sql };
        let mut rules = BTreeMap::new();
        for table in &shape.tables {
            let decided = self.guard.table_access(caller, table, kind);
            if !decided.access.releases_rows() {
                return Err(NodeError::Denied(format!(
                    "{} does not release table {table} to this caller for a {} request ({})",
                    self.config.region,
                    kind.as_str(),
                    decided.access.as_str()
                )));
            }
            let table_rules = self.guard.rules(caller, table, decided.access);
            rules.insert(table.clone(), table_rules.with_every_row_owned(data.every_row_owned(table)));
        }
        Ok(rules)
    }

    /// A runtime for one query with a memory pool of its own, so one greedy query fails with
    /// `RESOURCE_EXHAUSTED` instead of taking the node's memory from every other. Spilling to
    /// disk is off: records must not land in temporary files.
    fn query_runtime(&self, data: &RegionData) -> Result<Arc<RuntimeEnv>, NodeError> {
        let bytes = self.config.limits.memory_per_query_mib.saturating_mul(1024 * 1024);
        let shared = data.context.runtime_env();
        let mut runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(bytes)))
            .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled))
            .build()
            .map_err(NodeError::Plan)?;
        // The file listings and metadata cached when the data was loaded stay shared: a query
        // sees the files of the last (re)load, never files that appeared since.
        runtime.cache_manager = Arc::clone(&shared.cache_manager);
        runtime.object_store_registry = Arc::clone(&shared.object_store_registry);
        Ok(Arc::new(runtime))
    }

    /// How many resolved and optimised plans the current snapshot keeps.
    pub fn cached_plans(&self) -> (usize, usize) {
        self.snapshot().plans.kept()
    }

    /// Hit/no-hit for each identifier: how many rows `caller` may count and their handling
    /// conditions, looked up in the identifier indexes (no table scan). Rows above clearance, with
    /// invalid markings, or owned by another region are not counted.
    pub fn check(&self, identifiers: &[Identifier], caller: &Delegated) -> Result<Vec<NodeHit>, NodeError> {
        let data = self.snapshot();
        let mut hits = Vec::with_capacity(identifiers.len());
        // One policy decision per table, not per identifier: a check may carry a thousand.
        let mut decided: BTreeMap<&str, Option<toex_policy::RowRules>> = BTreeMap::new();
        for identifier in identifiers {
            let kind = IdentifierKind::try_from(identifier.kind).unwrap_or(IdentifierKind::Unspecified);
            let Some(location) = identifier_column(kind) else {
                return Err(NodeError::BadRequest("identifier kind is not specified".to_owned()));
            };
            let rules = decided.entry(location.table).or_insert_with(|| {
                let access = self.guard.table_access(caller, location.table, RequestKind::Check).access;
                (access != toex_policy::Access::Denied).then(|| self.guard.rules(caller, location.table, access))
            });
            let Some(rules) = rules else {
                hits.push(NodeHit { count: 0, handling_conditions: Vec::new(), denied: true });
                continue;
            };
            let mut conditions = BTreeSet::new();
            let mut count = 0_u64;
            for markings in data.index.identifier_markings(location.table, &identifier.value) {
                if rules.visibility(&markings.as_row()) == Visibility::Invisible {
                    continue;
                }
                count += 1;
                conditions.extend(markings.handling_conditions.clone());
            }
            hits.push(NodeHit { count, handling_conditions: conditions.into_iter().collect(), denied: false });
        }
        Ok(hits)
    }

    /// Entity search over the region's indexes. Each table is read under the node's own policy
    /// for a search, narrowed by the hub's grant; the matched table must release at least hits.
    pub fn search(&self, request: &NodeSearchRequest, caller: &Delegated) -> Result<SearchOutcome, NodeError> {
        let data = self.snapshot();
        let mut rules = SearchRules::new();
        for table in SEARCH_TABLES {
            let decided = self.guard.table_access(caller, table, RequestKind::Search);
            if decided.access != toex_policy::Access::Denied {
                rules.insert(table, self.guard.rules(caller, table, decided.access));
            }
        }
        search::search(&data.index, request, &rules)
    }

    /// Where one query's answer stops: the rows asked for (0: the node's cap) within the
    /// node's row cap, and the node's byte cap.
    pub fn caps(&self, requested_rows: u64) -> Caps {
        let cap = self.config.limits.max_rows_per_query;
        let rows = if requested_rows == 0 { cap } else { requested_rows.min(cap) };
        Caps { rows, bytes: self.config.limits.max_bytes_per_query }
    }
}
