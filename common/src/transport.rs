//! HTTP/2 limits shared by the hub's and the nodes' servers (threat catalogue B30-B35, G90): a
//! bounded number of streams per connection, a bounded header list (oversized tokens and
//! CONTINUATION floods are refused before any parsing), keepalive that reaps dead peers, and a
//! maximum connection age so long-lived clients rebalance and rotated certificates take effect.

use std::time::Duration;

use tonic::transport::Server;

/// Concurrent streams one HTTP/2 connection may open; beyond it the peer gets REFUSED_STREAM.
pub const MAX_CONCURRENT_STREAMS: u32 = 128;
/// The largest header list accepted (a bearer token is at most 8 KiB).
pub const MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;
/// Interval between server keepalive pings on an idle connection.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
/// How long a keepalive ping may go unanswered before the connection is closed.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);
/// The oldest a connection may grow before the server asks the client to reconnect.
pub const MAX_CONNECTION_AGE: Duration = Duration::from_secs(30 * 60);
/// Time in-flight calls get to finish once a connection reached its maximum age.
pub const MAX_CONNECTION_AGE_GRACE: Duration = Duration::from_secs(60);

/// A server builder with the federation's HTTP/2 limits.
pub fn limited_server() -> Server {
    Server::builder()
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
        .http2_max_header_list_size(MAX_HEADER_LIST_BYTES)
        .http2_keepalive_interval(Some(KEEPALIVE_INTERVAL))
        .http2_keepalive_timeout(Some(KEEPALIVE_TIMEOUT))
        .max_connection_age(MAX_CONNECTION_AGE)
        .max_connection_age_grace(MAX_CONNECTION_AGE_GRACE)
}

/// How long in-flight calls get to finish once a server starts draining, unless configured.
pub const DEFAULT_DRAIN_GRACE: Duration = Duration::from_secs(20);

/// When the grace period of a draining server is over.
pub struct DrainDeadline {
    begun: tokio::sync::watch::Receiver<bool>,
    grace: Duration,
}

impl DrainDeadline {
    /// Resolves `grace` after draining began; never, if it never begins.
    pub async fn passed(mut self) {
        if self.begun.wait_for(|begun| *begun).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(self.grace).await;
    }
}

/// Wraps a server's `shutdown` future so that the server can be cut off `grace` after it
/// resolves: a call that never ends (an open health `Watch`, a caller that never reads) must not
/// hold a draining server open, or keep its audit trail from being sealed.
pub fn drain_within<S: Future<Output = ()>>(shutdown: S, grace: Duration) -> (impl Future<Output = ()>, DrainDeadline) {
    let (begin, begun) = tokio::sync::watch::channel(false);
    let signal = async move {
        shutdown.await;
        let _ = begin.send(true);
    };
    (signal, DrainDeadline { begun, grace })
}
