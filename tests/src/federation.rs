//! Starting and stopping a federation in-process, and querying it as a client would.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use futures::StreamExt;
use toex_broker::config::{HubLimits, RegionEndpoint};
use toex_broker::{Hub, HubConfig};
use toex_common::ipc::IpcDecoder;
use toex_node::config::NodeLimits;
use toex_node::{NodeConfig, NodeEngine};
use toex_proto::v1::hub_client::HubClient;
use toex_proto::v1::node_client::NodeClient;
use toex_proto::v1::{AnswerSummary, ExecuteRequest, Purpose, RegionStatus, SqlRequest, sql_response};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// A running server and the means to stop it.
struct Server {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    engine: Option<Arc<NodeEngine>>,
}

impl Server {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

/// Generates synthetic data for `regions` under `root` (skipping regions already generated).
pub fn generate_regions(root: &Path, regions: &[&str], scale: u64, seed: u64) -> anyhow::Result<()> {
    for region in regions {
        let directory = root.join(region);
        if directory.join("ground_truth.json").exists() {
            continue;
        }
        let options = toex_datagen::GenOptions { region: (*region).to_owned(), scale, seed };
        toex_datagen::generate(&options, &directory)?;
    }
    Ok(())
}

/// A hub and its nodes.
pub struct Federation {
    pub data_root: PathBuf,
    pub regions: Vec<String>,
    pub hub_url: String,
    node_urls: HashMap<String, String>,
    nodes: HashMap<String, Server>,
    hub: Option<Server>,
    hub_logic: Arc<Hub>,
}

/// A whole answer as a client receives it.
#[derive(Debug)]
pub struct Answer {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub summary: AnswerSummary,
}

impl Answer {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The outcome status of one region.
    pub fn status(&self, region: &str) -> Option<RegionStatus> {
        self.summary
            .regions
            .iter()
            .find(|outcome| outcome.region == region)
            .and_then(|outcome| RegionStatus::try_from(outcome.status).ok())
    }
}

/// A purpose good enough for every check.
pub fn test_purpose() -> Purpose {
    Purpose {
        justification: "Whole-federation test of national search".to_owned(),
        case_reference: "OP-TEST-0001".to_owned(),
    }
}

impl Federation {
    /// Starts one node per region over `data_root/<REGION>` and a hub over them.
    pub async fn start(data_root: &Path, regions: &[&str]) -> anyhow::Result<Self> {
        let mut nodes = HashMap::new();
        let mut node_urls = HashMap::new();
        let mut endpoints = Vec::new();
        for region in regions {
            let config = NodeConfig {
                region: (*region).to_owned(),
                listen: "127.0.0.1:0".parse()?,
                data_dir: data_root.join(region),
                contact_point: format!("{region} intelligence desk"),
                datasets: Vec::new(),
                limits: NodeLimits::default(),
            };
            let (server, url) = start_node(config).await?;
            endpoints.push(RegionEndpoint { code: (*region).to_owned(), endpoint: url.clone() });
            node_urls.insert((*region).to_owned(), url);
            nodes.insert((*region).to_owned(), server);
        }
        let config = HubConfig {
            listen: "127.0.0.1:0".parse()?,
            regions: endpoints,
            discovery_interval_secs: 3600,
            limits: HubLimits { connect_timeout_ms: 500, ..HubLimits::default() },
        };
        let hub = Arc::new(Hub::with_plaintext_nodes(config)?);
        let hub_logic = Arc::clone(&hub);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let hub_url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = toex_broker::server::serve(hub, listener, async {
                let _ = stopped.await;
            })
            .await;
        });
        let federation = Self {
            data_root: data_root.to_owned(),
            regions: regions.iter().map(|region| (*region).to_owned()).collect(),
            hub_url,
            node_urls,
            nodes,
            hub: Some(Server { stop: Some(stop), task, engine: None }),
            hub_logic,
        };
        federation.wait_until_serving().await?;
        Ok(federation)
    }

    async fn wait_until_serving(&self) -> anyhow::Result<()> {
        for _ in 0..100 {
            if Channel::from_shared(self.hub_url.clone())?.connect().await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        anyhow::bail!("hub did not start")
    }

    /// The hub's domain object (for inspecting plans).
    pub fn hub(&self) -> &Hub {
        &self.hub_logic
    }

    /// Makes one region's node re-read its data files, as SIGHUP does for `toex node`.
    pub async fn reload_node(&self, region: &str) -> anyhow::Result<()> {
        let engine = self.nodes.get(region).and_then(|server| server.engine.clone());
        let engine = engine.ok_or_else(|| anyhow::anyhow!("no running node for {region}"))?;
        Ok(engine.reload().await?)
    }

    /// Stops one region's node (its address then refuses connections).
    pub async fn stop_node(&mut self, region: &str) {
        if let Some(server) = self.nodes.remove(region) {
            server.stop().await;
        }
    }

    /// A client of the hub's public API.
    pub async fn client(&self) -> anyhow::Result<HubClient<Channel>> {
        Ok(HubClient::connect(self.hub_url.clone()).await?)
    }

    /// A client of one node's internal API, bypassing the hub.
    pub async fn node_client(&self, region: &str) -> anyhow::Result<NodeClient<Channel>> {
        let url = self.node_urls.get(region).ok_or_else(|| anyhow::anyhow!("no node for {region}"))?;
        Ok(NodeClient::connect(url.clone()).await?)
    }

    /// Runs SQL through the hub, collecting the whole answer.
    pub async fn sql(&self, sql: &str) -> Result<Answer, tonic::Status> {
        self.request(SqlRequest {
            sql: sql.to_owned(),
            purpose: Some(test_purpose()),
            require_complete: false,
            max_rows: 0,
        })
        .await
    }

    /// Sends a full request through the hub, collecting the whole answer.
    pub async fn request(&self, request: SqlRequest) -> Result<Answer, tonic::Status> {
        let mut client = self.client().await.map_err(|error| tonic::Status::unavailable(error.to_string()))?;
        let mut stream = client.sql(request).await?.into_inner();
        let mut decoder = IpcDecoder::new();
        let mut batches = Vec::new();
        while let Some(message) = stream.next().await {
            match message?.body {
                Some(sql_response::Body::Schema(ipc)) => {
                    decoder.push(ipc.data).map_err(|error| tonic::Status::internal(error.to_string()))?;
                }
                Some(sql_response::Body::Batch(ipc)) => {
                    batches.extend(decoder.push(ipc.data).map_err(|error| tonic::Status::internal(error.to_string()))?);
                }
                Some(sql_response::Body::Summary(summary)) => {
                    let schema = decoder.schema().ok_or_else(|| tonic::Status::internal("no schema before summary"))?;
                    return Ok(Answer { schema, batches, summary });
                }
                None => return Err(tonic::Status::internal("empty message")),
            }
        }
        Err(tonic::Status::internal("stream ended without a summary"))
    }

    /// Sends SQL straight to one node, returning the status of the call.
    pub async fn node_sql(&self, region: &str, sql: &str) -> Result<u64, tonic::Status> {
        let mut client =
            self.node_client(region).await.map_err(|error| tonic::Status::unavailable(error.to_string()))?;
        let request = ExecuteRequest {
            query_id: "test-query".to_owned(),
            sql: sql.to_owned(),
            purpose: Some(test_purpose()),
            max_rows: 0,
        };
        let mut stream = client.execute(request).await?.into_inner();
        let mut messages = 0;
        while let Some(message) = stream.next().await {
            message?;
            messages += 1;
        }
        Ok(messages)
    }

    /// Stops every server.
    pub async fn shutdown(mut self) {
        if let Some(hub) = self.hub.take() {
            hub.stop().await;
        }
        for (_, node) in self.nodes.drain() {
            node.stop().await;
        }
    }
}

async fn start_node(config: NodeConfig) -> anyhow::Result<(Server, String)> {
    let engine = Arc::new(NodeEngine::open(config).await?);
    let engine_handle = Arc::clone(&engine);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = toex_node::server::serve(engine, listener, async {
            let _ = stopped.await;
        })
        .await;
    });
    Ok((Server { stop: Some(stop), task, engine: Some(engine_handle) }, url))
}
