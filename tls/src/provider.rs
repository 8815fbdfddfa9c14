//! The one crypto provider (ring) and the protocol policy shared by every TLS configuration in the
//! federation: TLS 1.3 only and HTTP/2 by ALPN. Configurations are built with
//! `builder_with_provider`, so no process-wide default provider is needed.

use std::sync::Arc;

use rustls::SupportedProtocolVersion;
use rustls::crypto::CryptoProvider;
use rustls::version::TLS13;

/// The only protocol version offered or accepted (threat 27: no downgrade to 1.2 or older).
pub const PROTOCOL_VERSIONS: &[&SupportedProtocolVersion] = &[&TLS13];

/// ALPN identifier for HTTP/2, the only application protocol gRPC needs.
pub const ALPN_H2: &[u8] = b"h2";

/// Returns the ring crypto provider used by every configuration in this crate.
pub fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}
