//! Transport security for TOEX Federation (DESIGN §5, threat catalogue section B): a development
//! PKI with SPIFFE identities, hub-to-node mutual TLS where a node accepts only the hub and the hub
//! accepts only the node it dialled, the hub's caller-facing TLS endpoint, a TLS accept loop for
//! tonic servers with a handshake timeout, and the guard that refuses insecure configuration
//! outside dev mode. TLS 1.3 only, ALPN `h2`, the ring provider only.

pub mod channel;
pub mod client;
pub mod config;
pub mod identity;
pub mod incoming;
pub mod material;
pub mod pki;
pub mod provider;
pub mod server;
pub mod verify;

pub use channel::{
    ChannelError, ConnectError, TlsChannelConnector, channel_with_config, hub_public_channel, node_channel,
};
pub use client::{ClientConfigError, HubTls, client_config_for_hub, hub_client_config};
pub use config::{ConfigError, LinkTlsConfig, LinkTlsMode, PublicTlsConfig, PublicTlsMode};
pub use identity::{HUB_IDENTITY, node_identity};
pub use incoming::{
    IncomingLimits, PeerInfo, PeerTlsStream, TlsIncoming, serve_tls_incoming, serve_tls_incoming_with_limits,
};
pub use pki::{
    CertKeyPaths, FederationCa, IssuedCertificate, LeafSpec, PkiPaths, Usage, Validity, generate_federation_pki,
    write_federation_pki,
};
pub use server::{
    ServerConfigError, node_server_config, node_server_config_from_files, public_server_config,
    public_server_config_from_files,
};
