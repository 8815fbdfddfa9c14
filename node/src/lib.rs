//! A regional node: serves one region's records to the hub over gRPC.
//!
//! The node loads the common-data-model tables and any extra datasets its configuration declares,
//! answers read-only SQL over them with DataFusion, and streams results as Arrow IPC. It re-checks
//! every statement itself: it never trusts the hub to have done so.

pub mod audit_trail;
pub mod cancellation;
pub mod config;
pub mod datasets;
pub mod engine;
pub mod entity_index;
pub mod error;
pub mod guard;
pub mod marking_codes;
pub mod plan_cache;
pub mod search;
pub mod server;
pub mod service;
pub mod stage_timer;

pub use config::NodeConfig;
pub use engine::NodeEngine;
pub use error::NodeError;
