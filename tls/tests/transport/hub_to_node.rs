//! The hub dialling nodes: the good path, identity pinning of the dialled node (threat 25), and an
//! expired node certificate (threat 23).

use toex_tls::{LeafSpec, node_server_config};

use crate::harness::{Pki, TestServer, assert_hub_reaches, check, expired, read};

#[tokio::test]
async fn hub_reaches_nwrocu_and_the_node_sees_the_hub_identity() {
    let pki = Pki::generate();
    let server = TestServer::start(pki.node_config("NWROCU")).await;
    let hub = pki.hub_tls();
    assert_hub_reaches(&server, "NWROCU", &hub).await;
    // A second call reuses the lazy channel's connection path again.
    assert_hub_reaches(&server, "NWROCU", &hub).await;
    server.stop().await;
}

#[tokio::test]
async fn hub_aborts_when_the_dialled_node_presents_another_regions_identity() {
    let pki = Pki::generate();
    // The NWROCU address is answered by the LONDON node certificate: right CA, wrong identity.
    let server = TestServer::start(pki.node_config("LONDON")).await;
    let hub = pki.hub_tls();
    let channel = toex_tls::node_channel(&server.uri(), "NWROCU", &hub).unwrap();
    let status = check(channel).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert_eq!(server.reached_count(), 0);
    // The same server is fine when dialled as the node it really is.
    assert_hub_reaches(&server, "LONDON", &hub).await;
    server.stop().await;
}

#[tokio::test]
async fn hub_refuses_an_expired_node_certificate() {
    let pki = Pki::generate();
    let stale = pki.ca.issue(&LeafSpec::node("NWROCU", expired()).unwrap()).unwrap();
    let config =
        node_server_config(&read(&pki.paths.ca.cert), stale.cert_pem.as_bytes(), stale.key_pem.as_bytes()).unwrap();
    let server = TestServer::start(config).await;
    let channel = toex_tls::node_channel(&server.uri(), "NWROCU", &pki.hub_tls()).unwrap();
    let status = check(channel).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert_eq!(server.reached_count(), 0);
    server.stop().await;
}

#[tokio::test]
async fn a_down_node_fails_the_call_but_not_channel_construction() {
    let pki = Pki::generate();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let uri = format!("https://127.0.0.1:{port}");
    let channel = toex_tls::node_channel(&uri, "NWROCU", &pki.hub_tls()).unwrap();
    let status = check(channel).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
}
