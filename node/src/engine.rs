//! The node's domain logic: its catalogue and read-only query execution, independent of gRPC.

use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use datafusion::physical_plan::SendableRecordBatchStream;
use toex_common::sql_guard::{check_read_only_select, read_only_options};

use crate::config::NodeConfig;
use crate::datasets::{self, LoadedTable, RegionData};
use crate::error::NodeError;

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
}

impl NodeEngine {
    /// Loads the region's data as the configuration describes.
    pub async fn open(config: NodeConfig) -> Result<Self, NodeError> {
        let data = datasets::load(&config).await?;
        Ok(Self { config, data: RwLock::new(Arc::new(data)) })
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

    /// Checks and plans one read-only SELECT and starts executing it.
    pub async fn execute(&self, sql: &str) -> Result<SendableRecordBatchStream, NodeError> {
        check_read_only_select(sql)?;
        let data = self.snapshot();
        let frame = data.context.sql_with_options(sql, read_only_options()).await.map_err(NodeError::Plan)?;
        frame.execute_stream().await.map_err(NodeError::Execution)
    }

    /// The cap on rows one query may return.
    pub fn max_rows(&self, requested: u64) -> u64 {
        let cap = self.config.limits.max_rows_per_query;
        if requested == 0 { cap } else { requested.min(cap) }
    }
}
