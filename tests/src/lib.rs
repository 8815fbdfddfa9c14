//! Whole-federation test harness: regional nodes and the hub in one process on port 0, talking
//! real gRPC, over data from the synthetic generator; plus a centralised baseline (one DataFusion
//! session over the union of every region's files) to compare federated answers against.

pub mod baseline;
pub mod bench;
pub mod compare;
pub mod federation;
pub mod load;
pub mod log_capture;
pub mod parquet_files;
pub mod security;

pub use federation::{Answer, Federation};
