//! The `toex.v1` wire contract: generated messages, the public `Hub` service and the internal
//! `Node` service. The `.proto` files under `proto/` are the source of truth.

/// Version 1 of the contract.
pub mod v1 {
    tonic::include_proto!("toex.v1");
}

/// The encoded `FileDescriptorSet` of `toex.v1`, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/toex_descriptor.bin"));
