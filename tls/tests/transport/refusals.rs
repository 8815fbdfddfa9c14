//! Clients the node must refuse, each followed by a good hub call: untrusted CA (21), no client
//! certificate (22), expired client certificate (23), a node certificate or a node identity
//! presented as a client (26), TLS 1.2 (27), plaintext HTTP/2 and HTTP/1.1 (28).

use std::sync::Arc;

use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use toex_tls::{HubTls, LeafSpec, Usage, channel_with_config, node_channel, node_identity};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{CALL_BOUND, ONE_DAY, Pki, TestServer, assert_hub_reaches, check, expired, read};

/// Asserts a call failed on the TLS layer. In TLS 1.3 the client learns of a refused certificate
/// only from the server's alert after its own handshake finished, so tonic reports a transport
/// error; if the alert was read before the socket closed, it must be `expected_alert`.
fn assert_refused_with(status: &tonic::Status, expected_alert: &str) {
    assert_ne!(status.code(), tonic::Code::Ok);
    let detail = format!("{status:?}");
    if detail.contains("alert") {
        assert!(detail.contains(expected_alert), "expected {expected_alert}: {detail}");
    }
}

/// Dials the NWROCU test node presenting `cert_pem`/`key_pem` and asserts the call is refused with
/// `expected_alert` and reaches no handler, then that the real hub still gets through.
async fn assert_client_refused(pki: &Pki, server: &TestServer, cert_pem: &[u8], key_pem: &[u8], expected_alert: &str) {
    let reached_before = server.reached_count();
    let impostor = HubTls::from_pem(&read(&pki.paths.ca.cert), cert_pem, key_pem).unwrap();
    let channel = node_channel(&server.uri(), "NWROCU", &impostor).unwrap();
    let status = check(channel).await.unwrap_err();
    assert_refused_with(&status, expected_alert);
    assert_eq!(server.reached_count(), reached_before, "a refused client reached the service");
    assert_hub_reaches(server, "NWROCU", &pki.hub_tls()).await;
}

#[tokio::test]
async fn client_certificate_from_an_untrusted_ca_is_refused() {
    let pki = Pki::generate();
    let rogue = Pki::generate();
    let server = TestServer::start(pki.node_config("NWROCU")).await;
    // The rogue CA has the same name as the real one, so the chain fails on its signature.
    let cert = read(&rogue.paths.hub.cert);
    let key = read(&rogue.paths.hub.key);
    assert_client_refused(&pki, &server, &cert, &key, "DecryptError").await;
    server.stop().await;
}

#[tokio::test]
async fn client_without_a_certificate_is_refused() {
    let pki = Pki::generate();
    let server = TestServer::start(pki.node_config("NWROCU")).await;
    let mut config = ClientConfig::builder_with_provider(toex_tls::provider::ring_provider())
        .with_protocol_versions(toex_tls::provider::PROTOCOL_VERSIONS)
        .unwrap()
        .with_root_certificates(toex_tls::material::root_store_from_pem(&pki.ca_pem(), "ca").unwrap())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let channel = channel_with_config(&server.uri(), Arc::new(config)).unwrap();
    let status = check(channel).await.unwrap_err();
    assert_refused_with(&status, "CertificateRequired");
    assert_eq!(server.reached_count(), 0);
    assert_hub_reaches(&server, "NWROCU", &pki.hub_tls()).await;
    server.stop().await;
}

#[tokio::test]
async fn expired_hub_certificate_is_refused() {
    let pki = Pki::generate();
    let server = TestServer::start(pki.node_config("NWROCU")).await;
    let stale = pki.ca.issue(&LeafSpec::hub(expired())).unwrap();
    assert_client_refused(&pki, &server, stale.cert_pem.as_bytes(), stale.key_pem.as_bytes(), "CertificateExpired")
        .await;
    server.stop().await;
}

#[tokio::test]
async fn node_certificate_presented_as_the_hub_is_refused() {
    let pki = Pki::generate();
    let server = TestServer::start(pki.node_config("NWROCU")).await;
    let london = &pki.paths.nodes["LONDON"];
    assert_client_refused(&pki, &server, &read(&london.cert), &read(&london.key), "UnsupportedCertificate").await;
    server.stop().await;
}

#[tokio::test]
async fn client_capable_certificate_with_a_node_identity_is_refused() {
    // Even a certificate with the clientAuth EKU is refused unless its SAN URI is the hub.
    let pki = Pki::generate();
    let server = TestServer::start(pki.node_config("NWROCU")).await;
    let mut spec = LeafSpec::node("LONDON", toex_tls::Validity::from_now(ONE_DAY)).unwrap();
    spec.usages = vec![Usage::Client, Usage::Server];
    let misissued = pki.ca.issue(&spec).unwrap();
    assert_client_refused(
        &pki,
        &server,
        misissued.cert_pem.as_bytes(),
        misissued.key_pem.as_bytes(),
        "CertificateUnknown",
    )
    .await;
    let mut anonymous = LeafSpec::hub(toex_tls::Validity::from_now(ONE_DAY));
    anonymous.identity = None;
    let no_identity = pki.ca.issue(&anonymous).unwrap();
    assert_client_refused(
        &pki,
        &server,
        no_identity.cert_pem.as_bytes(),
        no_identity.key_pem.as_bytes(),
        "CertificateUnknown",
    )
    .await;
    assert_eq!(node_identity("LONDON").unwrap(), "spiffe://toex.federation/node/LONDON");
    server.stop().await;
}

#[tokio::test]
async fn tls12_only_client_is_refused() {
    let pki = Pki::generate();
    let server = TestServer::start(pki.node_config("NWROCU")).await;
    let hub_chain = toex_tls::material::certificates_from_pem(&read(&pki.paths.hub.cert), "hub").unwrap();
    let hub_key = toex_tls::material::private_key_from_pem(&read(&pki.paths.hub.key), "hub").unwrap();
    let mut config = ClientConfig::builder_with_provider(toex_tls::provider::ring_provider())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(toex_tls::material::root_store_from_pem(&pki.ca_pem(), "ca").unwrap())
        .with_client_auth_cert(hub_chain, hub_key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let server_name = ServerName::try_from("127.0.0.1").unwrap();
    let outcome = tokio::time::timeout(CALL_BOUND, connector.connect(server_name, tcp)).await.unwrap();
    let error = outcome.expect_err("a TLS 1.2 handshake completed");
    assert!(
        error.to_string().to_lowercase().contains("protocolversion")
            || error.to_string().to_lowercase().contains("protocol version"),
        "{error}"
    );
    assert_eq!(server.reached_count(), 0);
    assert_hub_reaches(&server, "NWROCU", &pki.hub_tls()).await;
    server.stop().await;
}

#[tokio::test]
async fn plaintext_http2_and_http1_are_closed_without_a_response() {
    let pki = Pki::generate();
    let server = TestServer::start(pki.node_config("NWROCU")).await;

    let plaintext = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr)).unwrap().connect_lazy();
    let status = check(plaintext).await.unwrap_err();
    assert_ne!(status.code(), tonic::Code::Ok);
    assert_eq!(server.reached_count(), 0);

    let mut raw = TcpStream::connect(server.addr).await.unwrap();
    raw.write_all(b"GET /grpc.health.v1.Health/Check HTTP/1.1\r\nHost: node\r\n\r\n").await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(CALL_BOUND, raw.read_to_end(&mut reply))
        .await
        .expect("the server kept a plaintext connection open");
    // Either a clean close or a reset is fine; an HTTP answer is not.
    let _closed_or_reset = read;
    assert!(!String::from_utf8_lossy(&reply).contains("HTTP/"), "{reply:?}");
    assert_eq!(server.reached_count(), 0);

    assert_hub_reaches(&server, "NWROCU", &pki.hub_tls()).await;
    server.stop().await;
}
