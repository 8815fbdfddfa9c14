//! The regions the hub federates: their clients, last known catalogues and health.
//!
//! Discovery asks every node for its catalogue at start-up and then on an interval. A region
//! that cannot be reached stays in the federation, marked unreachable, so queries report it
//! rather than silently leaving it out.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use arrow::datatypes::SchemaRef;
use futures::future::join_all;
use toex_common::ipc::schema_from_bytes;
use toex_proto::v1::{CatalogResponse, RegionHealth};
use tracing::{info, warn};

use crate::node_client::NodeClient;

/// How long a catalogue request may take.
pub const CATALOG_TIMEOUT: Duration = Duration::from_secs(5);

/// A table as one node offers it.
#[derive(Debug, Clone)]
pub struct OfferedTable {
    pub name: String,
    pub schema: SchemaRef,
    pub rows: u64,
    pub common_data_model: bool,
    pub freshness: String,
}

/// What the hub last learnt about one region.
#[derive(Debug, Clone)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    pub client: Arc<dyn NodeClient>,
    pub health: RegionHealth,
    /// Why the region is unreachable, when it is.
    pub detail: String,
    /// `None` until the node has answered once.
    pub tables: Option<Vec<OfferedTable>>,
    pub freshness: String,
    pub contact_point: String,
    pub last_checked: Option<SystemTime>,
}

/// Every configured region, in configuration order.
#[derive(Debug)]
pub struct Registry {
    regions: Vec<RwLock<RegionView>>,
}

impl Registry {
    /// A registry of regions not yet contacted.
    pub fn new(regions: Vec<(String, Arc<dyn NodeClient>)>) -> Self {
        let views = regions
            .into_iter()
            .map(|(code, client)| {
                let name = toex_common::regions::region_by_code(&code).map(|region| region.name).unwrap_or_default();
                RwLock::new(RegionView {
                    name: name.to_owned(),
                    code,
                    client,
                    health: RegionHealth::Unspecified,
                    detail: "not contacted yet".to_owned(),
                    tables: None,
                    freshness: String::new(),
                    contact_point: String::new(),
                    last_checked: None,
                })
            })
            .collect();
        Self { regions: views }
    }

    /// The current view of every region.
    pub fn snapshot(&self) -> Vec<RegionView> {
        self.regions.iter().map(|slot| slot.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()).collect()
    }

    /// Asks every node for its catalogue, concurrently.
    pub async fn refresh(&self) {
        join_all(self.regions.iter().map(refresh_region)).await;
    }

    /// Refreshes on `interval` until the returned task is aborted.
    pub fn spawn_discovery(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let registry = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                registry.refresh().await;
            }
        })
    }
}

async fn refresh_region(slot: &RwLock<RegionView>) {
    let (code, client) = {
        let view = slot.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        (view.code.clone(), Arc::clone(&view.client))
    };
    let answer = client.catalog(CATALOG_TIMEOUT).await;
    let checked = SystemTime::now();
    let mut view = slot.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    view.last_checked = Some(checked);
    match answer.map_err(|status| status.message().to_owned()).and_then(|catalog| parse_catalog(&code, catalog)) {
        Ok((tables, catalog)) => {
            if view.health != RegionHealth::Serving {
                info!(region = %code, tables = tables.len(), "region serving");
            }
            view.health = RegionHealth::Serving;
            view.detail.clear();
            view.tables = Some(tables);
            view.freshness = catalog.data_freshness;
            view.contact_point = catalog.contact_point;
        }
        Err(detail) => {
            if view.health != RegionHealth::Unreachable {
                warn!(region = %code, "region unreachable");
            }
            view.health = RegionHealth::Unreachable;
            view.detail = detail;
        }
    }
}

/// Decodes a catalogue, refusing one from a node that claims another region.
fn parse_catalog(code: &str, catalog: CatalogResponse) -> Result<(Vec<OfferedTable>, CatalogResponse), String> {
    if catalog.region != code {
        return Err(format!("node answered as region {:?}, expected {code:?}", catalog.region));
    }
    let tables = catalog
        .tables
        .iter()
        .map(|table| {
            let schema = schema_from_bytes(&table.arrow_schema)
                .map_err(|error| format!("table {}: unreadable schema: {error}", table.name))?;
            Ok(OfferedTable {
                name: table.name.clone(),
                schema,
                rows: table.rows,
                common_data_model: table.common_data_model,
                freshness: table.data_freshness.clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((tables, catalog))
}
