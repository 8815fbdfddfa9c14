//! Lazy tonic channels over rustls: a tower connector doing TCP connect (with a timeout) then the TLS
//! handshake (with a timeout) and insisting on `h2`, and the hub's `node_channel`, which pins the
//! dialled region's identity. Channels are lazy so a node that is down does not block start-up.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use thiserror::Error;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tonic::transport::{Channel, Endpoint};

use crate::client::{ClientConfigError, HubTls};
use crate::incoming::DEFAULT_HANDSHAKE_TIMEOUT;
use crate::provider::ALPN_H2;

/// Time allowed for the TCP connection to a node or hub.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Interval between HTTP/2 keepalive pings on an established channel.
pub const HTTP2_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);

/// Time to wait for a keepalive ping reply before the connection is considered dead.
pub const HTTP2_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes one answer stream may have in flight before the receiver grants more. HTTP/2's
/// default of 64 KiB makes a bulk answer wait for a window update every 64 KiB, which on a
/// busy receiver throttles a streamed table far below what the link carries.
pub const HTTP2_STREAM_WINDOW_BYTES: u32 = 1024 * 1024;
/// Bytes all streams of one connection may have in flight: a few answers at the stream
/// window, and a bound on what a reader that stalls lets a peer buffer in it.
pub const HTTP2_CONNECTION_WINDOW_BYTES: u32 = 4 * 1024 * 1024;

/// Port used when an `https://` endpoint names none.
pub const DEFAULT_HTTPS_PORT: u16 = 443;

/// Errors from building a channel (dialling itself is lazy; see [`ConnectError`]).
#[derive(Debug, Error)]
pub enum ChannelError {
    /// The endpoint is not an absolute `https://host[:port]` URI.
    #[error("endpoint {uri:?} is not a valid https://host:port uri: {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS client configuration could not be built.
    #[error(transparent)]
    Config(#[from] ClientConfigError),
}

/// Errors from one connection attempt; tonic reports them as `UNAVAILABLE`.
#[derive(Debug, Error)]
pub enum ConnectError {
    /// TCP connect failed.
    #[error("tcp connect to {address} failed: {source}")]
    Connect {
        /// `host:port` dialled.
        address: String,
        /// The I/O failure.
        source: std::io::Error,
    },
    /// TCP connect did not finish in time.
    #[error("tcp connect to {address} timed out")]
    ConnectTimeout {
        /// `host:port` dialled.
        address: String,
    },
    /// The TLS handshake failed (untrusted or wrong peer identity, protocol mismatch ...).
    #[error("tls handshake with {address} failed: {source}")]
    Handshake {
        /// `host:port` dialled.
        address: String,
        /// The failure, as reported by rustls.
        source: std::io::Error,
    },
    /// The TLS handshake did not finish in time.
    #[error("tls handshake with {address} timed out")]
    HandshakeTimeout {
        /// `host:port` dialled.
        address: String,
    },
    /// The server did not agree to speak HTTP/2.
    #[error("{address} did not negotiate h2 over tls")]
    NoHttp2 {
        /// `host:port` dialled.
        address: String,
    },
}

/// Target of a channel: host and port, resolved once from the endpoint URI.
#[derive(Debug, Clone)]
struct Target {
    host: String,
    port: u16,
    server_name: ServerName<'static>,
}

impl Target {
    fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// A tower connector that always speaks TLS (with the given configuration) to one target.
#[derive(Clone)]
pub struct TlsChannelConnector {
    tls: TlsConnector,
    target: Target,
}

impl std::fmt::Debug for TlsChannelConnector {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("TlsChannelConnector").field("target", &self.target.address()).finish_non_exhaustive()
    }
}

impl tower::Service<Uri> for TlsChannelConnector {
    type Response = TokioIo<TlsStream<TcpStream>>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        // The target was fixed when the channel was built; the URI tonic passes back is the same one.
        Box::pin(connect_tls(self.tls.clone(), self.target.clone()))
    }
}

async fn connect_tls(tls: TlsConnector, target: Target) -> Result<TokioIo<TlsStream<TcpStream>>, ConnectError> {
    let address = target.address();
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((target.host.as_str(), target.port)))
        .await
        .map_err(|_elapsed| ConnectError::ConnectTimeout { address: address.clone() })?
        .map_err(|source| ConnectError::Connect { address: address.clone(), source })?;
    // Nagle only delays small gRPC frames; failure to disable it is harmless.
    let _ignored = tcp.set_nodelay(true);
    let stream = tokio::time::timeout(DEFAULT_HANDSHAKE_TIMEOUT, tls.connect(target.server_name.clone(), tcp))
        .await
        .map_err(|_elapsed| ConnectError::HandshakeTimeout { address: address.clone() })?
        .map_err(|source| ConnectError::Handshake { address: address.clone(), source })?;
    if stream.get_ref().1.alpn_protocol() != Some(ALPN_H2) {
        return Err(ConnectError::NoHttp2 { address });
    }
    Ok(TokioIo::new(stream))
}

/// A lazy channel to `endpoint_uri` (`https://host[:port]`) using `config` for every connection.
pub fn channel_with_config(endpoint_uri: &str, config: Arc<ClientConfig>) -> Result<Channel, ChannelError> {
    let invalid =
        |reason: &str| ChannelError::InvalidEndpoint { uri: endpoint_uri.to_owned(), reason: reason.to_owned() };
    let uri: Uri = endpoint_uri.parse().map_err(|error: http::uri::InvalidUri| invalid(&error.to_string()))?;
    if uri.scheme_str() != Some("https") {
        return Err(invalid("the scheme must be https (plaintext is not supported)"));
    }
    let Some(host) = uri.host() else {
        return Err(invalid("no host"));
    };
    let bare_host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let server_name = ServerName::try_from(bare_host.clone()).map_err(|error| invalid(&error.to_string()))?;
    let port = uri.port_u16().unwrap_or(DEFAULT_HTTPS_PORT);
    // The connector always does TLS. tonic is given an http:// URI so that its own TLS layer (if a
    // tonic TLS feature is ever enabled in the workspace) does not try to wrap our stream again.
    let endpoint = Endpoint::from_shared(format!("http://{host}:{port}"))
        .map_err(|error| invalid(&error.to_string()))?
        .http2_keep_alive_interval(HTTP2_KEEPALIVE_INTERVAL)
        .keep_alive_timeout(HTTP2_KEEPALIVE_TIMEOUT)
        .keep_alive_while_idle(true)
        .initial_stream_window_size(HTTP2_STREAM_WINDOW_BYTES)
        .initial_connection_window_size(HTTP2_CONNECTION_WINDOW_BYTES);
    let connector =
        TlsChannelConnector { tls: TlsConnector::from(config), target: Target { host: bare_host, port, server_name } };
    Ok(endpoint.connect_with_connector_lazy(connector))
}

/// The hub's lazy channel to the node of `region` at `endpoint_uri`: presents the hub certificate
/// and aborts unless the peer is `spiffe://toex.federation/node/<region>` from the federation CA.
pub fn node_channel(endpoint_uri: &str, region: &str, tls: &HubTls) -> Result<Channel, ChannelError> {
    let config = tls.client_config_for(region)?;
    channel_with_config(endpoint_uri, config)
}

/// The CLI's lazy channel to the hub's caller-facing endpoint (see [`crate::client_config_for_hub`]).
pub fn hub_public_channel(endpoint_uri: &str, ca_pem: &[u8]) -> Result<Channel, ChannelError> {
    let config = crate::client::client_config_for_hub(ca_pem)?;
    channel_with_config(endpoint_uri, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_config() -> Arc<ClientConfig> {
        let config = ClientConfig::builder_with_provider(crate::provider::ring_provider())
            .with_protocol_versions(crate::provider::PROTOCOL_VERSIONS)
            .unwrap()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        Arc::new(config)
    }

    #[tokio::test]
    async fn plaintext_endpoints_are_refused() {
        let error = channel_with_config("http://127.0.0.1:50051", empty_config()).unwrap_err();
        assert!(error.to_string().contains("http://127.0.0.1:50051"), "{error}");
    }

    #[tokio::test]
    async fn endpoints_without_host_are_refused() {
        assert!(channel_with_config("/just/a/path", empty_config()).is_err());
    }
}
