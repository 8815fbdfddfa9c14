//! The logical plan node for work sent to every region offering a table.

use std::cmp::Ordering;
use std::fmt;

use datafusion::common::DFSchemaRef;
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, LogicalPlan, UserDefinedLogicalNodeCore};
use datafusion::sql::unparser::plan_to_sql;

/// A sub-plan over one federated table, run at each of `regions`; its output is the union of
/// the regions' outputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteQuery {
    /// The federated table the sub-plan reads.
    pub table: String,
    /// Regions asked, in configuration order.
    pub regions: Vec<String>,
    /// What each region runs, as a DataFusion plan over the table.
    pub plan: LogicalPlan,
    /// True when the sub-plan produces partial aggregates for the hub to finish.
    pub partial_aggregate: bool,
    /// The columns the hub reads from the answers. Equal to the sub-plan's schema, except for a
    /// scan that needs no columns at all (`count(*)` over a limited scan): the node then sends one
    /// column and the hub keeps only the row count.
    pub output: DFSchemaRef,
}

impl RemoteQuery {
    /// The SQL each region receives.
    pub fn sql(&self) -> Result<String> {
        Ok(plan_to_sql(&self.plan)?.to_string())
    }

    /// True when the sub-plan is still a plain row source (scan, filters, projections), so more
    /// work can be pushed on top of it without changing its meaning.
    pub fn is_row_source(&self) -> bool {
        fn plain(plan: &LogicalPlan) -> bool {
            match plan {
                LogicalPlan::TableScan(scan) => scan.fetch.is_none(),
                LogicalPlan::Filter(filter) => plain(&filter.input),
                LogicalPlan::Projection(projection) => plain(&projection.input),
                _ => false,
            }
        }
        !self.partial_aggregate && plain(&self.plan)
    }

    /// The same regions and table with another sub-plan.
    pub fn with_plan(&self, plan: LogicalPlan, partial_aggregate: bool) -> Self {
        let output = plan.schema().clone();
        Self { table: self.table.clone(), regions: self.regions.clone(), plan, partial_aggregate, output }
    }
}

impl PartialOrd for RemoteQuery {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        (&self.table, &self.regions).partial_cmp(&(&other.table, &other.regions))
    }
}

impl UserDefinedLogicalNodeCore for RemoteQuery {
    fn name(&self) -> &str {
        "RemoteQuery"
    }

    fn inputs(&self) -> Vec<&LogicalPlan> {
        Vec::new()
    }

    fn schema(&self) -> &DFSchemaRef {
        &self.output
    }

    fn expressions(&self) -> Vec<Expr> {
        Vec::new()
    }

    fn fmt_for_explain(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sql = self.sql().unwrap_or_else(|error| format!("<cannot unparse: {error}>"));
        write!(formatter, "RemoteQuery: table={} regions={} sql={sql}", self.table, self.regions.len())
    }

    fn with_exprs_and_inputs(&self, _exprs: Vec<Expr>, _inputs: Vec<LogicalPlan>) -> Result<Self> {
        Ok(self.clone())
    }
}
