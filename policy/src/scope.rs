//! What a resolved query plan touches, and the rewrite that puts row and column rules under every
//! table it reads. Both work on the plan DataFusion resolved from the SQL, never on the text, so
//! views, CTEs, subqueries, unions and joins cannot hide a table (threat 39).
//!
//! A plan is *aggregate only* when every table scan feeds an aggregate before anything reaches
//! the output (including scans inside subqueries). Only such plans may be answered by a region
//! that releases aggregates but not records.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Expr, LogicalPlan, TableScan};

use crate::plan::{RulePlanError, restrict_plan};
use crate::rows::RowRules;

/// The tables a plan reads and whether every output is an aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanShape {
    /// Table names read anywhere in the plan, subqueries included.
    pub tables: BTreeSet<String>,
    /// True when every table scan is beneath an aggregate.
    pub aggregate_only: bool,
}

/// Describes a resolved logical plan.
pub fn plan_shape(plan: &LogicalPlan) -> PlanShape {
    let mut tables = BTreeSet::new();
    let aggregate_only = scans_under_aggregates(plan, false, &mut tables);
    PlanShape { tables, aggregate_only }
}

/// Walks `plan`, collecting table names; true when every scan met is beneath an aggregate.
fn scans_under_aggregates(plan: &LogicalPlan, under_aggregate: bool, tables: &mut BTreeSet<String>) -> bool {
    let here = under_aggregate || matches!(plan, LogicalPlan::Aggregate(_));
    let mut covered = true;
    if let LogicalPlan::TableScan(scan) = plan {
        tables.insert(scan.table_name.table().to_owned());
        covered = under_aggregate;
    }
    for subquery in subqueries(plan) {
        covered &= scans_under_aggregates(&subquery, here, tables);
    }
    for input in plan.inputs() {
        covered &= scans_under_aggregates(input, here, tables);
    }
    covered
}

/// The subquery plans inside a plan node's expressions.
fn subqueries(plan: &LogicalPlan) -> Vec<LogicalPlan> {
    let mut found = Vec::new();
    let _visited = plan.apply_expressions(|expr| {
        expr.apply(|inner| {
            match inner {
                Expr::ScalarSubquery(subquery)
                | Expr::Exists(datafusion::logical_expr::expr::Exists { subquery, .. }) => {
                    found.push(subquery.subquery.as_ref().clone());
                }
                Expr::InSubquery(in_subquery) => found.push(in_subquery.subquery.subquery.as_ref().clone()),
                _ => {}
            }
            Ok(TreeNodeRecursion::Continue)
        })
    });
    if let LogicalPlan::Subquery(subquery) = plan {
        found.push(subquery.subquery.as_ref().clone());
    }
    found
}

/// Puts `rules[table]` directly above every scan of `table`, subqueries included. A scan of a
/// table without rules is refused: every table a caller reaches must have been decided.
pub fn restrict_scans(plan: LogicalPlan, rules: &BTreeMap<String, RowRules>) -> Result<LogicalPlan, RulePlanError> {
    restrict_scans_with(plan, |scan| {
        let table = scan.table_name.table();
        let Some(table_rules) = rules.get(table) else {
            return Err(RulePlanError::Plan {
                table: table.to_owned(),
                source: DataFusionError::Plan(format!("no access decision for table {table}")),
            });
        };
        restrict_plan(LogicalPlan::TableScan(scan.clone()), table_rules)
    })
}

/// Replaces every scan, subqueries included, with what `restricted` makes of it (the scan under
/// its row and column rules). The first failure refuses the whole plan.
pub fn restrict_scans_with(
    plan: LogicalPlan,
    mut restricted: impl FnMut(&TableScan) -> Result<LogicalPlan, RulePlanError>,
) -> Result<LogicalPlan, RulePlanError> {
    let mut failure = None;
    let rewritten = plan.transform_up_with_subqueries(|node| {
        let LogicalPlan::TableScan(scan) = &node else {
            return Ok(Transformed::no(node));
        };
        match restricted(scan) {
            Ok(plan) => Ok(Transformed::yes(plan)),
            Err(error) => {
                let message = error.to_string();
                failure = Some(error);
                Err(DataFusionError::Plan(message))
            }
        }
    });
    match (rewritten, failure) {
        (Ok(transformed), None) => Ok(transformed.data),
        (_, Some(error)) => Err(error),
        (Err(source), None) => Err(RulePlanError::Plan { table: String::new(), source }),
    }
}
