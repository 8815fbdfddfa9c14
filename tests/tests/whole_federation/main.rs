//! The whole-federation tests: hub and nodes in one process over real gRPC with real TLS, one
//! module per capability. They build as one test binary: each would otherwise link its own copy
//! of DataFusion, which costs a link and some 600 MB of disk per file. nextest still runs every
//! test in a process of its own, so the tests that install a global log subscriber stay apart.

mod audit;
mod correctness;
mod federation;
mod identity;
mod log_redaction;
mod marking_codes;
mod observability;
mod plan_cache;
mod policy_model;
mod resilience;
mod row_ownership;
mod search;
mod wire;
