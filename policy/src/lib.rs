//! Access policy for TOEX Federation (DESIGN §5): pure request-level decisions in Cedar, made at
//! the hub and again at each node with the node's own policy (dual key, the narrower wins), and
//! the row and column rules those decisions imply, compiled into DataFusion plan expressions so
//! that hidden rows never reach a count, an aggregate or a hit. No I/O beyond reading policy
//! files at start-up; tokens are verified elsewhere.

pub mod decision;
pub mod engine;
pub mod entities;
pub mod explain;
pub mod load;
pub mod memo;
pub mod plan;
pub mod principal;
pub mod request;
pub mod roles;
pub mod rows;
pub mod scope;

pub use decision::{Access, Decision, Evaluation, PolicyAction, combine};
pub use engine::{HUB_LABEL, PolicyEngine, PolicyFiles, node_label};
pub use explain::RegionExplanation;
pub use load::{PolicyLoadError, PolicyText};
pub use plan::{
    RulePlanError, federated_row_filter, hit_filter, masked_projection, restrict_federated_plan, restrict_plan,
    row_filter,
};
pub use principal::{clearance_classification, policy_purpose, principal_from_claims, principal_from_delegation};
pub use request::{Principal, Purpose, Request, RequestKind, clearance_level};
pub use rows::{
    AGGREGATE_ONLY_MASKS, ColumnMask, DEFAULT_COLUMN_MASKS, HandlingCRule, RowMarkings, RowRules, Visibility,
    row_visibility,
};
pub use scope::{PlanShape, plan_shape, restrict_scans, restrict_scans_with};
