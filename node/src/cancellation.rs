//! Makes a node's queries stop soon after the hub gives up on them. Dropping a DataFusion stream
//! aborts its tasks, but an abort only lands when a task yields, and a CPU-bound pipeline over
//! data already in memory may run batch after batch without yielding (tokio's cooperative
//! budget allows 128 batches). [`YieldBetweenBatches`] puts a yield before every batch a scan
//! produces, so a cancelled or timed-out query stops within the batch in hand.

use std::fmt;
use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::StreamExt;

/// The physical optimizer rule that wraps every leaf of a plan in a [`YieldExec`]. It runs last,
/// so no other rule sees (or removes) the wrappers.
#[derive(Debug, Default)]
pub struct YieldBetweenBatches;

impl PhysicalOptimizerRule for YieldBetweenBatches {
    fn optimize(&self, plan: Arc<dyn ExecutionPlan>, _config: &ConfigOptions) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            if node.children().is_empty() && !node.is::<YieldExec>() {
                Ok(Transformed::yes(Arc::new(YieldExec::new(node)) as Arc<dyn ExecutionPlan>))
            } else {
                Ok(Transformed::no(node))
            }
        })
        .map(|transformed| transformed.data)
    }

    fn name(&self) -> &str {
        "YieldBetweenBatches"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Passes its input's batches on unchanged, yielding to the scheduler before each one.
pub struct YieldExec {
    input: Arc<dyn ExecutionPlan>,
    properties: Arc<PlanProperties>,
}

impl YieldExec {
    pub fn new(input: Arc<dyn ExecutionPlan>) -> Self {
        let properties = Arc::clone(input.properties());
        Self { input, properties }
    }
}

impl fmt::Debug for YieldExec {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_struct("YieldExec").field("input", &self.input.name()).finish()
    }
}

impl DisplayAs for YieldExec {
    fn fmt_as(&self, _format: DisplayFormatType, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "YieldExec")
    }
}

impl ExecutionPlan for YieldExec {
    fn name(&self) -> &str {
        "YieldExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _visit: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(self: Arc<Self>, mut children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        match (children.pop(), children.is_empty()) {
            (Some(input), true) => Ok(Arc::new(Self::new(input))),
            _ => Err(datafusion::error::DataFusionError::Internal("YieldExec takes exactly one input".to_owned())),
        }
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let schema = input.schema();
        let yielding = input.then(|batch| async move {
            tokio::task::yield_now().await;
            batch
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, yielding)))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::SessionContext;

    use super::*;

    #[tokio::test]
    async fn every_scan_yields_and_answers_are_unchanged() {
        let state = toex_common::session::locked_down_session(8192)
            .with_physical_optimizer_rule(Arc::new(YieldBetweenBatches))
            .build();
        let context = SessionContext::new_with_state(state);
        let frame = context.sql("SELECT count(*) AS n FROM (VALUES (1), (2), (3)) AS t(x)").await.unwrap();
        let plan = frame.clone().create_physical_plan().await.unwrap();
        let shown = datafusion::physical_plan::displayable(plan.as_ref()).indent(false).to_string();
        assert!(shown.contains("YieldExec"), "{shown}");
        let batches = frame.collect().await.unwrap();
        let counts = batches[0].column(0).as_any().downcast_ref::<arrow::array::Int64Array>().unwrap();
        assert_eq!(counts.value(0), 3);
    }
}
