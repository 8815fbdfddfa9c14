//! Slow-loris handshakes (threat 29): stalled sockets do not block other clients, are closed after
//! the handshake timeout, and beyond the pending-handshake cap are closed at once.

use std::time::Duration;

use toex_tls::IncomingLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{CALL_BOUND, Pki, TestServer, assert_hub_reaches};

/// Opens `count` TCP connections that send one byte of a TLS record header and then stall.
async fn stalled_sockets(server: &TestServer, count: usize) -> Vec<TcpStream> {
    let mut sockets = Vec::with_capacity(count);
    for _ in 0..count {
        let mut socket = TcpStream::connect(server.addr).await.unwrap();
        socket.write_all(&[0x16]).await.unwrap();
        sockets.push(socket);
    }
    sockets
}

/// True if the peer has closed (EOF or reset) the socket, waiting at most `CALL_BOUND`.
async fn closed_by_server(socket: &mut TcpStream) -> bool {
    let mut buffer = [0_u8; 64];
    loop {
        match tokio::time::timeout(CALL_BOUND, socket.read(&mut buffer)).await {
            Err(_elapsed) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // An alert may arrive before the close.
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn stalled_handshakes_do_not_block_the_hub() {
    let pki = Pki::generate();
    // The longest allowed timeout: if handshakes were serialised behind the stalled sockets, the
    // hub call below could only complete after they had been closed.
    let limits = IncomingLimits { handshake_timeout: Duration::from_secs(10), ..IncomingLimits::default() };
    let server = TestServer::start_with_limits(pki.node_config("NWROCU"), limits).await;
    let stalled = stalled_sockets(&server, 50).await;
    assert_hub_reaches(&server, "NWROCU", &pki.hub_tls()).await;
    let mut probe = [0_u8; 1];
    for socket in &stalled {
        let still_open =
            matches!(socket.try_read(&mut probe), Err(error) if error.kind() == std::io::ErrorKind::WouldBlock);
        assert!(still_open, "a stalled socket was closed before the hub call finished");
    }
    server.stop().await;
}

#[tokio::test]
async fn stalled_handshake_is_closed_after_the_timeout() {
    let pki = Pki::generate();
    let limits = IncomingLimits { handshake_timeout: Duration::from_millis(300), ..IncomingLimits::default() };
    let server = TestServer::start_with_limits(pki.node_config("NWROCU"), limits).await;
    let mut stalled = stalled_sockets(&server, 3).await;
    for socket in &mut stalled {
        assert!(closed_by_server(socket).await, "stalled handshake was never closed");
    }
    assert_hub_reaches(&server, "NWROCU", &pki.hub_tls()).await;
    server.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_pending_handshake_cap_are_closed_at_once() {
    let pki = Pki::generate();
    let limits = IncomingLimits { handshake_timeout: Duration::from_secs(10), max_pending_handshakes: 2 };
    let server = TestServer::start_with_limits(pki.node_config("NWROCU"), limits).await;
    let holding = stalled_sockets(&server, 2).await;
    let mut excess = stalled_sockets(&server, 1).await;
    assert!(closed_by_server(&mut excess[0]).await);
    drop(holding);
    server.stop().await;
}
