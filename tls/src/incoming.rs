//! The TLS accept loop for tonic servers: accepts TCP connections, runs each TLS handshake in its
//! own task under a timeout (slow-loris, threat 29) and a cap on pending handshakes, logs failures
//! with the peer address, and yields only completed `h2` connections. A failed handshake never
//! stops the loop. Use the stream with `Server::serve_with_incoming_shutdown`.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tonic::transport::server::Connected;
use tracing::Instrument;

use crate::identity::sole_identity;
use crate::provider::ALPN_H2;

/// Default time a client has to complete the TLS handshake (catalogue: at most 10 s).
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Default cap on handshakes in progress; connections beyond it are closed at once.
pub const DEFAULT_MAX_PENDING_HANDSHAKES: usize = 1024;

/// Completed connections buffered between the accept loop and the server.
pub const ACCEPTED_QUEUE_DEPTH: usize = 64;

/// Pause after a failed `accept` (for example out of file descriptors) before trying again.
pub const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// Limits applied by the accept loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncomingLimits {
    /// Time a client has to complete the handshake.
    pub handshake_timeout: Duration,
    /// Handshakes allowed in progress at once.
    pub max_pending_handshakes: usize,
}

impl Default for IncomingLimits {
    fn default() -> Self {
        Self { handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT, max_pending_handshakes: DEFAULT_MAX_PENDING_HANDSHAKES }
    }
}

/// What the server knows about a connected peer; tonic puts it in every request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's TCP address.
    pub remote_addr: SocketAddr,
    /// The sole SPIFFE identity of the verified client certificate, if one was presented.
    pub identity: Option<String>,
}

/// A server-side TLS connection that tells tonic who the peer is.
#[derive(Debug)]
pub struct PeerTlsStream {
    inner: TlsStream<TcpStream>,
    peer: PeerInfo,
}

impl PeerTlsStream {
    /// The peer's address and verified identity.
    pub fn peer(&self) -> &PeerInfo {
        &self.peer
    }
}

impl Connected for PeerTlsStream {
    type ConnectInfo = PeerInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.peer.clone()
    }
}

impl AsyncRead for PeerTlsStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for PeerTlsStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Stream of completed TLS connections; dropping it stops the accept loop and closes the listener.
#[derive(Debug)]
pub struct TlsIncoming {
    accepted: mpsc::Receiver<PeerTlsStream>,
    accept_loop: JoinHandle<()>,
}

impl Stream for TlsIncoming {
    type Item = Result<PeerTlsStream, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.accepted.poll_recv(cx).map(|next| next.map(Ok))
    }
}

impl Drop for TlsIncoming {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// Serves TLS on `listener` with the default limits. Must be called inside a tokio runtime.
pub fn serve_tls_incoming(listener: TcpListener, config: Arc<ServerConfig>) -> TlsIncoming {
    serve_tls_incoming_with_limits(listener, config, IncomingLimits::default())
}

/// Serves TLS on `listener` with explicit limits. Must be called inside a tokio runtime.
pub fn serve_tls_incoming_with_limits(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    limits: IncomingLimits,
) -> TlsIncoming {
    let (sender, accepted) = mpsc::channel(ACCEPTED_QUEUE_DEPTH);
    let accept_loop = tokio::spawn(accept_loop(listener, TlsAcceptor::from(config), limits, sender));
    TlsIncoming { accepted, accept_loop }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    limits: IncomingLimits,
    sender: mpsc::Sender<PeerTlsStream>,
) {
    let pending = Arc::new(Semaphore::new(limits.max_pending_handshakes));
    loop {
        let accepted = tokio::select! {
            () = sender.closed() => return,
            accepted = listener.accept() => accepted,
        };
        let (tcp, remote_addr) = match accepted {
            Ok(connection) => connection,
            Err(error) => {
                tracing::warn!(%error, "tcp accept failed");
                tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                continue;
            }
        };
        // Nagle would hold each small gRPC frame until the peer's delayed ACK (about 40 ms on
        // Linux): every unary answer would wait for it. Failure to disable it is harmless.
        let _ignored = tcp.set_nodelay(true);
        let Ok(permit) = pending.clone().try_acquire_owned() else {
            tracing::warn!(peer = %remote_addr, "too many pending tls handshakes, connection closed");
            continue;
        };
        let span = tracing::info_span!("tls_handshake", peer = %remote_addr);
        tokio::spawn(handshake(tcp, remote_addr, acceptor.clone(), limits, sender.clone(), permit).instrument(span));
    }
}

async fn handshake(
    tcp: TcpStream,
    remote_addr: SocketAddr,
    acceptor: TlsAcceptor,
    limits: IncomingLimits,
    sender: mpsc::Sender<PeerTlsStream>,
    permit: OwnedSemaphorePermit,
) {
    let outcome = tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp)).await;
    drop(permit);
    let stream = match outcome {
        Err(_elapsed) => {
            tracing::warn!(timeout = ?limits.handshake_timeout, "tls handshake timed out");
            return;
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "tls handshake failed");
            return;
        }
        Ok(Ok(stream)) => stream,
    };
    let connection = stream.get_ref().1;
    if connection.alpn_protocol() != Some(ALPN_H2) {
        tracing::warn!("tls client did not negotiate h2, connection closed");
        return;
    }
    let identity = connection
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|end_entity| sole_identity(end_entity).ok().flatten());
    tracing::debug!(identity = ?identity, "tls handshake complete");
    let peer = PeerInfo { remote_addr, identity };
    // The server may have shut down meanwhile; the connection is then simply dropped.
    let _ignored = sender.send(PeerTlsStream { inner: stream, peer }).await;
}
