//! The hub's error type and its one exhaustive mapping to gRPC status codes.

use datafusion::error::DataFusionError;
use toex_common::sql_guard::GuardError;
use tonic::metadata::MetadataValue;

/// The gRPC retry-pushback header a shed request carries (gRFC A6).
pub const RETRY_PUSHBACK_HEADER: &str = "grpc-retry-pushback-ms";
/// How long a shed caller should wait before retrying, in milliseconds.
pub const RETRY_PUSHBACK_MS: &str = "250";

/// Everything that can go wrong answering a caller.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// A required request field is missing or malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The statement is not one read-only SELECT, or is too large.
    #[error(transparent)]
    Refused(#[from] GuardError),
    /// The statement names something the federation does not offer, or does not type-check.
    #[error("cannot plan query: {0}")]
    Plan(DataFusionError),
    /// A region in scope did not contribute and the caller required a complete answer, or no
    /// region in scope answered at all.
    #[error("{0}")]
    Incomplete(String),
    /// Merging at the hub failed.
    #[error("query failed at the hub: {0}")]
    Execution(DataFusionError),
    /// A resource limit was hit while executing.
    #[error("query exceeded a resource limit: {0}")]
    ResourceLimit(DataFusionError),
    /// Encoding the answer failed.
    #[error("encoding the answer failed: {0}")]
    Encode(#[from] arrow::error::ArrowError),
    /// Policy refuses the request (nothing was fanned out).
    #[error("{0}")]
    Denied(String),
    /// The audit trail cannot be written: nothing is released (fail closed).
    #[error("{0}")]
    AuditUnavailable(String),
    /// Too many requests in flight: shed at once, with a retry hint.
    #[error("{0}")]
    Overloaded(String),
    /// This caller is over its request rate.
    #[error("{0}")]
    RateLimited(String),
    /// The caller's deadline passed (or had passed on arrival).
    #[error("{0}")]
    DeadlineExceeded(String),
    /// The hub's own set-up (keys, certificates, policy) is unusable.
    #[error("{0}")]
    Setup(String),
}

impl From<HubError> for tonic::Status {
    fn from(error: HubError) -> Self {
        let message = error.to_string();
        match error {
            HubError::BadRequest(_) => tonic::Status::invalid_argument(message),
            HubError::Refused(GuardError::TooLarge { .. }) => tonic::Status::resource_exhausted(message),
            HubError::Refused(GuardError::Refused(_)) => tonic::Status::invalid_argument(message),
            HubError::Plan(_) => tonic::Status::invalid_argument(message),
            HubError::Incomplete(_) => tonic::Status::unavailable(message),
            HubError::Execution(_) => tonic::Status::internal(message),
            HubError::ResourceLimit(_) => tonic::Status::resource_exhausted(message),
            HubError::Encode(_) => tonic::Status::internal(message),
            HubError::Denied(_) => tonic::Status::permission_denied(message),
            HubError::AuditUnavailable(_) => tonic::Status::unavailable(message),
            HubError::Overloaded(_) => {
                let mut status = tonic::Status::unavailable(message);
                status.metadata_mut().insert(RETRY_PUSHBACK_HEADER, MetadataValue::from_static(RETRY_PUSHBACK_MS));
                status
            }
            HubError::RateLimited(_) => tonic::Status::resource_exhausted(message),
            HubError::DeadlineExceeded(_) => tonic::Status::deadline_exceeded(message),
            HubError::Setup(_) => tonic::Status::internal(message),
        }
    }
}
