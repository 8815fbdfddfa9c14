//! Code shared by the hub and the nodes: the regions, the common data model, protective markings,
//! the read-only SQL guard and Arrow IPC framing for streaming over gRPC.

pub mod audit_filters;
pub mod cdm;
pub mod config_file;
pub mod health;
pub mod identifiers;
pub mod ipc;
pub mod markings;
pub mod metrics;
pub mod pump;
pub mod reflection;
pub mod regions;
pub mod release;
pub mod search;
pub mod session;
pub mod signed_request;
pub mod sql_guard;
pub mod time;
pub mod trace_context;
pub mod transport;
pub mod wire_status;
