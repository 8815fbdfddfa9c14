//! Test harness: a dev PKI in a temp dir (keeping the CA to issue unusual certificates), a node
//! server serving the gRPC health service over TLS that records which identities reached it, and
//! helpers to call it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use tempfile::TempDir;
use toex_tls::{
    FederationCa, HubTls, IncomingLimits, PeerInfo, PkiPaths, Validity, node_channel, node_server_config_from_files,
    serve_tls_incoming_with_limits, write_federation_pki,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Server};
use tonic_health::ServingStatus;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

/// Lifetime of test certificates.
pub const ONE_DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Liveness bound on any single call in a test, so a regression fails instead of hanging.
pub const CALL_BOUND: Duration = Duration::from_secs(15);

/// Regions in the test federation.
pub const REGIONS: [&str; 2] = ["NWROCU", "LONDON"];

/// A generated federation PKI on disk plus the CA that issued it.
pub struct Pki {
    /// Keeps the PKI files alive for the test's duration.
    _dir: TempDir,
    pub ca: FederationCa,
    pub paths: PkiPaths,
}

impl Pki {
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = FederationCa::generate("test federation CA", Validity::from_now(ONE_DAY)).unwrap();
        let paths = write_federation_pki(dir.path(), &ca, &REGIONS, Validity::from_now(ONE_DAY)).unwrap();
        Self { _dir: dir, ca, paths }
    }

    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(&self.paths.ca.cert).unwrap()
    }

    pub fn hub_tls(&self) -> HubTls {
        HubTls::from_files(&self.paths.ca.cert, &self.paths.hub.cert, &self.paths.hub.key).unwrap()
    }

    pub fn node_config(&self, region: &str) -> Arc<ServerConfig> {
        let node = &self.paths.nodes[region];
        node_server_config_from_files(&self.paths.ca.cert, &node.cert, &node.key).unwrap()
    }
}

/// A validity window that ended yesterday.
pub fn expired() -> Validity {
    let now = SystemTime::now();
    Validity { not_before: now - 2 * ONE_DAY, not_after: now - ONE_DAY }
}

/// A running TLS server with the health service.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The identity (from `PeerInfo`) of every request that reached the service layer.
    pub reached: Arc<Mutex<Vec<Option<String>>>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), tonic::transport::Error>>>,
}

impl TestServer {
    pub async fn start(config: Arc<ServerConfig>) -> Self {
        Self::start_with_limits(config, IncomingLimits::default()).await
    }

    pub async fn start_with_limits(config: Arc<ServerConfig>, limits: IncomingLimits) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let reached = Arc::new(Mutex::new(Vec::new()));
        let recorder = reached.clone();
        let record = tower::util::MapRequestLayer::new(move |request: http::Request<tonic::body::Body>| {
            let identity = request.extensions().get::<PeerInfo>().and_then(|peer| peer.identity.clone());
            recorder.lock().unwrap().push(identity);
            request
        });
        let (_reporter, health) = tonic_health::server::health_reporter();
        let incoming = serve_tls_incoming_with_limits(listener, config, limits);
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let task = tokio::spawn(Server::builder().layer(record).add_service(health).serve_with_incoming_shutdown(
            incoming,
            async {
                let _ignored = shutdown_signal.await;
            },
        ));
        Self { addr, reached, shutdown: Some(shutdown), task: Some(task) }
    }

    pub fn uri(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    pub fn reached_count(&self) -> usize {
        self.reached.lock().unwrap().len()
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ignored = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

/// Calls `grpc.health.v1.Health/Check` once over `channel`.
pub async fn check(channel: Channel) -> Result<ServingStatus, tonic::Status> {
    let mut client = HealthClient::new(channel);
    let call = client.check(HealthCheckRequest { service: String::new() });
    let response = tokio::time::timeout(CALL_BOUND, call)
        .await
        .map_err(|_elapsed| tonic::Status::deadline_exceeded("test call bound exceeded"))??;
    Ok(match response.into_inner().status {
        1 => ServingStatus::Serving,
        2 => ServingStatus::NotServing,
        _ => ServingStatus::Unknown,
    })
}

/// Asserts that the hub can still reach the server as `region` and that the call arrived as the hub.
pub async fn assert_hub_reaches(server: &TestServer, region: &str, hub: &HubTls) {
    let before = server.reached_count();
    let channel = node_channel(&server.uri(), region, hub).unwrap();
    let status = check(channel).await.unwrap();
    assert_eq!(status, ServingStatus::Serving);
    let reached = server.reached.lock().unwrap();
    assert_eq!(reached.len(), before + 1);
    assert_eq!(reached.last().unwrap().as_deref(), Some(toex_tls::HUB_IDENTITY));
}

/// Reads a PEM file.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}
