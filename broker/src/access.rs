//! The hub's half of the dual key for one query: its Cedar decision for every table the resolved
//! plan reads in every region offering it, and the rewrite that reads each federated table only
//! from the regions that release it, under the hub's row and column rules. Each node applies its
//! own policy again and can only narrow this.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use datafusion::datasource::{provider_as_source, source_as_provider};
use datafusion::logical_expr::{LogicalPlan, TableScan, TableScanBuilder};
use toex_policy::{
    Access, PlanShape, PolicyEngine, Request, RequestKind, RowRules, RulePlanError, restrict_federated_plan,
    restrict_scans_with,
};
use toex_proto::v1::RegionStatus;

use crate::caller::Caller;
use crate::error::HubError;
use crate::federation::catalog::FederatedCatalog;
use crate::federation::table::FederatedTable;
use crate::outcomes::Outcomes;

/// The hub's decisions for one query.
#[derive(Debug, Clone)]
pub struct QueryAccess {
    /// How the query was classified for policy.
    pub kind: RequestKind,
    /// For each table read, the regions that release rows, with their access.
    pub released: BTreeMap<String, Vec<(String, Access)>>,
    /// Regions policy keeps out of the query, with the status and reason to report.
    pub refused: Vec<(String, RegionStatus, String)>,
}

impl QueryAccess {
    /// The grant per `(region, table)` for delegation tokens.
    pub fn grants(&self) -> HashMap<(String, String), Access> {
        self.released
            .iter()
            .flat_map(|(table, regions)| {
                regions.iter().map(move |(region, access)| ((region.clone(), table.clone()), *access))
            })
            .collect()
    }

    /// Records the refused regions in a query's account.
    pub fn record_refusals(&self, outcomes: &Outcomes) {
        for (region, status, detail) in &self.refused {
            outcomes.fail_without_call(region, *status, detail);
        }
    }
}

/// Decides every table of `shape` in every region offering it. A table no region releases
/// refuses the query with `PERMISSION_DENIED`, before anything is fanned out.
pub fn decide_query(
    policy: &PolicyEngine,
    caller: &Caller,
    shape: &PlanShape,
    catalog: &FederatedCatalog,
) -> Result<QueryAccess, HubError> {
    let kind = if shape.aggregate_only { RequestKind::Aggregate } else { RequestKind::Sql };
    let principal = caller.principal();
    let purpose = caller.policy_purpose();
    let mut released = BTreeMap::new();
    let mut refused = Vec::new();
    for table in &shape.tables {
        let regions = catalog.get(table).map(|def| def.regions.clone()).unwrap_or_default();
        let mut releasing = Vec::new();
        let mut reasons = Vec::new();
        for region in regions {
            let request = Request {
                principal: principal.clone(),
                purpose: purpose.clone(),
                dataset: table.clone(),
                region: region.clone(),
                kind,
            };
            let decision = policy.decide(&request);
            match decision.access {
                Access::Records | Access::AggregatesOnly => releasing.push((region, decision.access)),
                Access::HitsOnly => {
                    let detail = format!("table {table}: hit/no-hit only for this caller; use a check");
                    refused.push((region, RegionStatus::HitOnly, detail));
                }
                Access::Denied => {
                    for reason in decision.reasons {
                        if !reasons.contains(&reason) {
                            reasons.push(reason);
                        }
                    }
                    refused.push((region, RegionStatus::Denied, format!("table {table}: refused by hub policy")));
                }
            }
        }
        if releasing.is_empty() {
            tracing::warn!(target: "toex::security", event = "policy_denied", table = %table, kind = kind.as_str(), "no region releases the table");
            return Err(HubError::Denied(format!(
                "no region releases table {table} to you for this {} request{}",
                kind.as_str(),
                if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join("; ")) }
            )));
        }
        released.insert(table.clone(), releasing);
    }
    Ok(QueryAccess { kind, released, refused })
}

/// Rewrites a resolved plan so every federated scan reads only the regions that release it, under
/// the hub's row and column rules (classification up to clearance, handling code C, masks).
pub fn restrict_federated_scans(
    plan: LogicalPlan,
    caller: &Caller,
    access: &QueryAccess,
) -> Result<LogicalPlan, HubError> {
    let principal = caller.principal();
    restrict_scans_with(plan, |scan| {
        let table = scan.table_name.table();
        let releasing = access.released.get(table).cloned().unwrap_or_default();
        let widest = if releasing.iter().any(|(_, access)| *access == Access::Records) {
            Access::Records
        } else {
            Access::AggregatesOnly
        };
        let rules = RowRules::for_request(&principal, "", table, widest);
        let regions = releasing.into_iter().map(|(region, _)| region).collect();
        restrict_federated_plan(narrowed_scan(scan, regions)?, &rules)
    })
    .map_err(|error| HubError::Setup(error.to_string()))
}

/// The same scan over a federated table offered by `regions` only.
fn narrowed_scan(scan: &TableScan, regions: Vec<String>) -> Result<LogicalPlan, RulePlanError> {
    let plan_error = |source| RulePlanError::Plan { table: scan.table_name.table().to_owned(), source };
    let provider = source_as_provider(&scan.source).map_err(plan_error)?;
    let Some(federated) = provider.downcast_ref::<FederatedTable>() else {
        return Err(plan_error(datafusion::error::DataFusionError::Plan("not a federated table".to_owned())));
    };
    let narrowed = FederatedTable { name: federated.name.clone(), schema: Arc::clone(&federated.schema), regions };
    TableScanBuilder::new(scan.table_name.clone(), provider_as_source(Arc::new(narrowed)))
        .with_projection(scan.projection.clone())
        .with_filters(scan.filters.clone())
        .with_fetch(scan.fetch)
        .build()
        .map(LogicalPlan::TableScan)
        .map_err(plan_error)
}
