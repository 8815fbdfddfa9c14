//! The national hub (the broker).
//!
//! The hub knows its regions from configuration, discovers each node's catalogue, plans analytical
//! SQL over the federated catalogue with DataFusion, pushes as much of each query as it can to the
//! nodes (projections, filters, limits, top-k and partial aggregates), merges what the nodes
//! release and streams the answer back with an account of every region. It stores no records.

pub mod access;
pub mod admission;
pub mod answer_release;
pub mod audit_search;
pub mod audit_trail;
pub mod breaker;
pub mod caller;
pub mod check;
pub mod config;
pub mod deadline;
pub mod delegation;
pub mod error;
pub mod federation;
pub mod identifiers;
pub mod node_client;
pub mod outcomes;
pub mod person_groups;
pub mod query;
pub mod registry;
pub mod search;
pub mod server;
pub mod service;
pub mod shed;

pub use caller::Caller;
pub use config::HubConfig;
pub use error::HubError;
pub use query::Hub;
