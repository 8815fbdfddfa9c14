//! A federated table as DataFusion sees it at the hub: a schema and the regions offering it.
//! It is never scanned directly: the federation rewrite replaces its scans with remote queries.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNode;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::sql::unparser::expr_to_sql;

/// The union of one table across the regions that offer it.
#[derive(Debug)]
pub struct FederatedTable {
    pub name: String,
    pub schema: SchemaRef,
    /// Regions whose nodes are asked, in configuration order.
    pub regions: Vec<String>,
}

/// True when `expr` can be sent to a node as SQL (no subqueries, and it unparses).
pub fn can_push(expr: &Expr) -> bool {
    let has_subquery = expr
        .exists(|node| Ok(matches!(node, Expr::ScalarSubquery(_) | Expr::Exists(_) | Expr::InSubquery(_))))
        .unwrap_or(true);
    !has_subquery && expr_to_sql(expr).is_ok()
}

#[async_trait]
impl TableProvider for FederatedTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        _projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Err(DataFusionError::Internal(format!(
            "federated table {} reached the physical planner without the federation rewrite",
            self.name
        )))
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|filter| {
                if can_push(filter) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }
}
