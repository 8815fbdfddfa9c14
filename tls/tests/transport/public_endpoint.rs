//! The hub's caller-facing endpoint: the CLI verifies it against the federation CA without a
//! client certificate, and the federation client refuses it because it carries no node identity.

use toex_tls::{hub_public_channel, node_channel, public_server_config_from_files};
use tonic_health::ServingStatus;

use crate::harness::{Pki, TestServer, check};

#[tokio::test]
async fn cli_reaches_the_public_endpoint_by_host_name() {
    let pki = Pki::generate();
    let config = public_server_config_from_files(&pki.paths.hub_public.cert, &pki.paths.hub_public.key).unwrap();
    let server = TestServer::start(config).await;
    let uri = format!("https://localhost:{}", server.addr.port());
    let channel = hub_public_channel(&uri, &pki.ca_pem()).unwrap();
    assert_eq!(check(channel).await.unwrap(), ServingStatus::Serving);
    // No client certificate, so no identity reached the service.
    assert_eq!(server.reached.lock().unwrap().as_slice(), &[None]);

    let rogue = Pki::generate();
    let untrusting = hub_public_channel(&uri, &rogue.ca_pem()).unwrap();
    assert!(check(untrusting).await.is_err());

    let as_node = node_channel(&server.uri(), "NWROCU", &pki.hub_tls()).unwrap();
    assert!(check(as_node).await.is_err());
    assert_eq!(server.reached_count(), 1);
    server.stop().await;
}
