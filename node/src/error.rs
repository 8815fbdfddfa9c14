//! The node's error type and its one mapping to gRPC status codes.

use datafusion::error::DataFusionError;
use toex_common::sql_guard::GuardError;

/// Everything that can go wrong at a node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The statement is not one read-only SELECT (or is too large).
    #[error(transparent)]
    Refused(#[from] GuardError),
    /// The statement names something that does not exist or does not type-check.
    #[error("cannot plan query: {0}")]
    Plan(DataFusionError),
    /// Execution failed after planning.
    #[error("query failed: {0}")]
    Execution(DataFusionError),
    /// A request field is missing or malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The region's files do not match what the node must offer.
    #[error("{0}")]
    Schema(String),
    /// Loading data failed.
    #[error("loading data failed: {0}")]
    Load(#[from] DataFusionError),
    /// Building Arrow data failed.
    #[error("building data failed: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// The request carries no valid delegation token from the hub.
    #[error("missing, invalid or expired delegation")]
    Unauthenticated,
    /// The node's own policy, or the hub's grant, refuses the request.
    #[error("{0}")]
    Denied(String),
    /// Row and column rules could not be compiled into the plan.
    #[error("cannot apply access rules: {0}")]
    Rules(#[from] toex_policy::RulePlanError),
    /// The audit trail cannot be written: nothing is released (fail closed).
    #[error("{0}")]
    AuditUnavailable(String),
    /// Security material or policy could not be loaded at start-up.
    #[error("{0}")]
    Setup(String),
}

fn is_resource_limit(error: &DataFusionError) -> bool {
    matches!(error.find_root(), DataFusionError::ResourcesExhausted(_))
}

impl From<NodeError> for tonic::Status {
    fn from(error: NodeError) -> Self {
        let message = error.to_string();
        match error {
            NodeError::Refused(GuardError::TooLarge { .. }) => tonic::Status::resource_exhausted(message),
            NodeError::Refused(GuardError::Refused(_)) => tonic::Status::invalid_argument(message),
            NodeError::Plan(ref inner) if is_resource_limit(inner) => tonic::Status::resource_exhausted(message),
            NodeError::Plan(_) => tonic::Status::invalid_argument(message),
            NodeError::Execution(ref inner) if is_resource_limit(inner) => tonic::Status::resource_exhausted(message),
            NodeError::Execution(_) => tonic::Status::internal(message),
            NodeError::BadRequest(_) => tonic::Status::invalid_argument(message),
            NodeError::Schema(_) => tonic::Status::failed_precondition(message),
            NodeError::Load(_) => tonic::Status::unavailable(message),
            NodeError::Arrow(_) => tonic::Status::internal(message),
            NodeError::Unauthenticated => tonic::Status::unauthenticated(message),
            NodeError::Denied(_) => tonic::Status::permission_denied(message),
            NodeError::Rules(_) => tonic::Status::internal(message),
            NodeError::AuditUnavailable(_) => tonic::Status::unavailable(message),
            NodeError::Setup(_) => tonic::Status::internal(message),
        }
    }
}
