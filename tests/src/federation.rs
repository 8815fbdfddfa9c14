//! Starting and stopping a federation in-process, and querying it as a client would.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use futures::StreamExt;
use toex_audit::{AuditLog, LogDeps, Storage};
use toex_broker::config::{HubLimits, RegionEndpoint};
use toex_broker::{Caller, Hub};
use toex_common::ipc::IpcDecoder;
use toex_common::signed_request::SignedRequest;
use toex_node::{NodeConfig, NodeEngine};
use toex_proto::v1::hub_client::HubClient;
use toex_proto::v1::node_client::NodeClient;
use toex_proto::v1::{
    AnswerSummary, ExecuteRequest, Purpose, RegionStatus, SqlRequest, execute_response, sql_response,
};
use toex_security::delegation::DelegationClaims;
use toex_security::{BearerInterceptor, Clock, SystemClock};
use toex_tls::{HubTls, hub_public_channel, node_channel};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::security::{LocalSecurity, TokenSpec};

/// A client of the hub's public API that sends a bearer token.
pub type HubApiClient = HubClient<InterceptedService<Channel, BearerInterceptor>>;

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

/// Generates synthetic data for `regions` under `root` (skipping regions already generated in
/// today's format).
pub fn generate_regions(root: &Path, regions: &[&str], scale: u64, seed: u64) -> anyhow::Result<()> {
    for region in regions {
        let directory = root.join(region);
        if toex_datagen::is_current(&directory) {
            continue;
        }
        let options = toex_datagen::GenOptions { region: (*region).to_owned(), scale, seed };
        toex_datagen::generate(&options, &directory)?;
    }
    Ok(())
}

/// A hub and its nodes, with mutual TLS between them, TLS and verified tokens at the hub.
pub struct Federation {
    pub data_root: PathBuf,
    pub regions: Vec<String>,
    pub hub_url: String,
    /// The federation's keys and certificates.
    pub security: LocalSecurity,
    /// A national analyst cleared to SECRET: the default caller.
    pub national_token: String,
    node_urls: HashMap<String, String>,
    nodes: HashMap<String, Server>,
    hub: Option<Server>,
    hub_logic: Arc<Hub>,
    _security_dir: tempfile::TempDir,
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
        Self::start_with(data_root, regions, |_| {}).await
    }

    /// As [`Federation::start`], letting `adjust` change each node's configuration first.
    pub async fn start_with(
        data_root: &Path,
        regions: &[&str],
        adjust: impl Fn(&mut NodeConfig),
    ) -> anyhow::Result<Self> {
        Self::start_inner(data_root, regions, adjust, None, Self::test_limits(), None).await
    }

    /// As [`Federation::start`], with the hub's limits (in-flight cap, rates, deadlines) given.
    pub async fn start_with_limits(data_root: &Path, regions: &[&str], limits: HubLimits) -> anyhow::Result<Self> {
        Self::start_with_limits_and(data_root, regions, limits, |_| {}).await
    }

    /// As [`Federation::start_with_limits`], letting `adjust` change each node's configuration.
    pub async fn start_with_limits_and(
        data_root: &Path,
        regions: &[&str],
        limits: HubLimits,
        adjust: impl Fn(&mut NodeConfig),
    ) -> anyhow::Result<Self> {
        Self::start_inner(data_root, regions, adjust, None, limits, None).await
    }

    /// As [`Federation::start_with_limits_and`], with every audit trail (hub and nodes) over
    /// `storage` instead of real files: for measuring what durable audit costs, never in tests
    /// of the trail itself.
    pub async fn start_with_audit_storage(
        data_root: &Path,
        regions: &[&str],
        limits: HubLimits,
        adjust: impl Fn(&mut NodeConfig),
        storage: Arc<dyn Storage>,
    ) -> anyhow::Result<Self> {
        Self::start_inner(data_root, regions, adjust, None, limits, Some(storage)).await
    }

    /// The hub limits of a test federation: a quick connect timeout, rates no test reaches.
    pub fn test_limits() -> HubLimits {
        HubLimits {
            connect_timeout_ms: 500,
            requests_per_second_per_principal: 10_000,
            request_burst_per_principal: 10_000,
            ..HubLimits::default()
        }
    }

    /// As [`Federation::start`], with the hub's audit trail over injected storage and clock
    /// (for fault tests: a disk that fills, an fsync that fails).
    pub async fn start_with_hub_audit(data_root: &Path, regions: &[&str], deps: LogDeps) -> anyhow::Result<Self> {
        Self::start_inner(data_root, regions, |_| {}, Some(deps), Self::test_limits(), None).await
    }

    async fn start_inner(
        data_root: &Path,
        regions: &[&str],
        adjust: impl Fn(&mut NodeConfig),
        hub_audit: Option<LogDeps>,
        limits: HubLimits,
        audit_storage: Option<Arc<dyn Storage>>,
    ) -> anyhow::Result<Self> {
        let audit_deps = |config: &toex_audit::AuditConfig| -> anyhow::Result<LogDeps> {
            let deps = LogDeps::from_config(config)?;
            Ok(match &audit_storage {
                Some(storage) => LogDeps { storage: Arc::clone(storage), ..deps },
                None => deps,
            })
        };
        let security_dir = tempfile::tempdir()?;
        let security = LocalSecurity::generate(security_dir.path(), regions)?;
        let mut nodes = HashMap::new();
        let mut node_urls = HashMap::new();
        let mut endpoints = Vec::new();
        for region in regions {
            let mut config = security.node_config(region, data_root.join(region), "127.0.0.1:0".parse()?)?;
            adjust(&mut config);
            let deps = audit_deps(&config.audit)?;
            let (server, url) = start_node(config, deps).await?;
            endpoints.push(RegionEndpoint { code: (*region).to_owned(), endpoint: url.clone() });
            node_urls.insert((*region).to_owned(), url);
            nodes.insert((*region).to_owned(), server);
        }
        let config = security.hub_config("127.0.0.1:0".parse()?, endpoints, limits);
        config.validate()?;
        let deps = match hub_audit {
            Some(deps) => deps,
            None => audit_deps(&config.audit)?,
        };
        let audit = AuditLog::open_with(config.audit.clone(), deps)?;
        let hub = Arc::new(Hub::from_config_with_audit(config, audit)?);
        let hub_logic = Arc::clone(&hub);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let hub_url = format!("https://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = toex_broker::server::serve(hub, listener, async {
                let _ = stopped.await;
            })
            .await;
        });
        let national_token = security.token(&TokenSpec::person("national_analyst", None, "SECRET"))?;
        let federation = Self {
            data_root: data_root.to_owned(),
            regions: regions.iter().map(|region| (*region).to_owned()).collect(),
            hub_url,
            security,
            national_token,
            node_urls,
            nodes,
            hub: Some(Server { stop: Some(stop), task, engine: None }),
            hub_logic,
            _security_dir: security_dir,
        };
        federation.wait_until_serving().await?;
        Ok(federation)
    }

    async fn wait_until_serving(&self) -> anyhow::Result<()> {
        for _ in 0..100 {
            let mut client = self.client().await?;
            if client.regions(toex_proto::v1::RegionsRequest {}).await.is_ok() {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        anyhow::bail!("hub did not start")
    }

    /// A dev token for `spec` from this federation's issuer.
    pub fn token(&self, spec: &TokenSpec) -> anyhow::Result<String> {
        self.security.token(spec)
    }

    /// The hub's domain object (for inspecting plans).
    pub fn hub(&self) -> &Hub {
        &self.hub_logic
    }

    /// Data requests (execute and check) the nodes have received, refused ones included: zero
    /// after a refusal at the hub shows that nothing was fanned out.
    pub fn node_data_requests(&self) -> u64 {
        self.nodes.values().filter_map(|server| server.engine.as_ref()).map(|engine| engine.data_requests()).sum()
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

    /// A client of the hub's public API, as the national analyst.
    pub async fn client(&self) -> anyhow::Result<HubApiClient> {
        self.client_as(&self.national_token).await
    }

    /// A client of the hub's public API sending `token`.
    pub async fn client_as(&self, token: &str) -> anyhow::Result<HubApiClient> {
        let channel = hub_public_channel(&self.hub_url, &self.security.ca_pem()?)?;
        Ok(HubClient::with_interceptor(channel, BearerInterceptor::new(token)?))
    }

    /// A client of one node's internal API that presents the hub's certificate, bypassing the
    /// hub's own checks (to show the node re-checks everything itself).
    pub fn node_client(&self, region: &str) -> anyhow::Result<NodeClient<Channel>> {
        Ok(NodeClient::new(self.node_channel(region)?))
    }

    /// A channel to one node that presents the hub's certificate.
    pub fn node_channel(&self, region: &str) -> anyhow::Result<Channel> {
        let url = self.node_urls.get(region).ok_or_else(|| anyhow::anyhow!("no node for {region}"))?;
        let pki = &self.security.pki;
        let hub_tls = HubTls::from_files(&pki.ca.cert, &pki.hub.cert, &pki.hub.key)?;
        Ok(node_channel(url, region, &hub_tls)?)
    }

    /// Signs `request` for `region` as the hub would for the national analyst, granting
    /// `grants` (table, access).
    pub fn delegate<R: SignedRequest>(
        &self,
        request: R,
        region: &str,
        query_id: &str,
        grants: &[(&str, &str)],
    ) -> anyhow::Result<R> {
        let caller = self.national_caller()?;
        let mut claims = DelegationClaims::for_query(
            &caller.claims,
            &caller.purpose,
            &request.signed_bytes(),
            region,
            query_id,
            SystemClock.now(),
        );
        for (table, access) in grants {
            claims = claims.with_grant(table, access);
        }
        let token = self.hub_logic.signer().sign(&claims)?;
        Ok(request.with_delegation_token(token))
    }

    /// The default caller as the hub sees them after authentication.
    pub fn national_caller(&self) -> anyhow::Result<Caller> {
        let verifier = toex_security::TokenVerifier::from_config(&self.hub_logic.config().auth)?;
        let claims = verifier.verify(&self.national_token, SystemClock.now())?;
        let purpose = test_purpose();
        Ok(Caller {
            claims: Arc::new(claims),
            purpose: toex_security::Purpose::parse(&purpose.justification, &purpose.case_reference)?,
            trace: toex_common::trace_context::TraceContext::root(),
        })
    }

    /// Runs SQL through the hub as the national analyst, collecting the whole answer.
    pub async fn sql(&self, sql: &str) -> Result<Answer, tonic::Status> {
        self.sql_as(&self.national_token, sql).await
    }

    /// Runs SQL through the hub with `token`, collecting the whole answer.
    pub async fn sql_as(&self, token: &str, sql: &str) -> Result<Answer, tonic::Status> {
        let request =
            SqlRequest { sql: sql.to_owned(), purpose: Some(test_purpose()), require_complete: false, max_rows: 0 };
        self.request_as(token, request).await
    }

    /// Sends a full request through the hub as the national analyst.
    pub async fn request(&self, request: SqlRequest) -> Result<Answer, tonic::Status> {
        self.request_as(&self.national_token, request).await
    }

    /// Sends a full request through the hub with `token`, collecting the whole answer.
    pub async fn request_as(&self, token: &str, request: SqlRequest) -> Result<Answer, tonic::Status> {
        let mut client = self.client_as(token).await.map_err(|error| tonic::Status::unavailable(error.to_string()))?;
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

    /// Sends SQL straight to one node with a valid delegation for the national analyst
    /// (granting records of every table), returning the number of messages received.
    pub async fn node_sql(&self, region: &str, sql: &str) -> Result<u64, tonic::Status> {
        let grants: Vec<(&str, &str)> =
            toex_common::cdm::tables().iter().map(|table| (table.name, "RECORDS")).collect();
        Ok(self.node_answer(region, sql, &grants).await?.1)
    }

    /// Sends SQL straight to one node for the national analyst with the hub granting `grants`
    /// (table, access); returns the rows the node sent and the number of messages.
    pub async fn node_answer(
        &self,
        region: &str,
        sql: &str,
        grants: &[(&str, &str)],
    ) -> Result<(Vec<RecordBatch>, u64), tonic::Status> {
        let internal = |error: anyhow::Error| tonic::Status::internal(error.to_string());
        let mut client = self.node_client(region).map_err(internal)?;
        let unsigned = ExecuteRequest {
            query_id: uuid_like(),
            sql: sql.to_owned(),
            purpose: Some(test_purpose()),
            max_rows: 0,
            delegation_token: String::new(),
        };
        let query_id = unsigned.query_id.clone();
        let request = self.delegate(unsigned, region, &query_id, grants).map_err(internal)?;
        let mut stream = client.execute(request).await?.into_inner();
        let (mut decoder, mut batches, mut messages) = (IpcDecoder::new(), Vec::new(), 0);
        while let Some(message) = stream.next().await {
            if let Some(execute_response::Body::ArrowIpc(chunk)) = message?.body {
                batches.extend(decoder.push(chunk).map_err(|error| tonic::Status::internal(error.to_string()))?);
            }
            messages += 1;
        }
        Ok((batches, messages))
    }

    /// How many resolved and optimised plans the node of `region` keeps (`None`: no such node).
    pub fn node_cached_plans(&self, region: &str) -> Option<(usize, usize)> {
        self.nodes.get(region).and_then(|server| server.engine.as_ref()).map(|engine| engine.cached_plans())
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

async fn start_node(config: NodeConfig, audit_deps: LogDeps) -> anyhow::Result<(Server, String)> {
    let engine = Arc::new(NodeEngine::open_with_audit(config, audit_deps).await?);
    let engine_handle = Arc::clone(&engine);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("https://{}", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = toex_node::server::serve(engine, listener, async {
            let _ = stopped.await;
        })
        .await;
    });
    Ok((Server { stop: Some(stop), task, engine: Some(engine_handle) }, url))
}

/// A query id unique within a test run.
fn uuid_like() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!("test-query-{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}
