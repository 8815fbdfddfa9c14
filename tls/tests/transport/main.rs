//! End-to-end transport tests on real sockets (127.0.0.1, port 0): a generated dev PKI, tonic's
//! health service served through `serve_tls_incoming`, and hub-side channels from `node_channel`.
//! Each bad client is followed by a good call to show the server is unaffected.

mod harness;
mod hub_to_node;
mod public_endpoint;
mod refusals;
mod slow_handshakes;
