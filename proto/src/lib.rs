//! The `toex.v1` wire contract: generated messages, the public `Hub` service and the internal
//! `Node` service. The `.proto` files under `proto/` are the source of truth.

/// Version 1 of the contract.
pub mod v1 {
    tonic::include_proto!("toex.v1");
}
