//! Exit codes of the client commands, documented in the README:
//! 0 complete answer, 3 partial answer (some region missing), 2 caller error, 1 anything else.

use tonic::Code;

/// The answer is complete.
pub const COMPLETE: u8 = 0;
/// Anything else went wrong.
pub const FAILURE: u8 = 1;
/// The caller's mistake: bad query, refused, bad arguments.
pub const CALLER_ERROR: u8 = 2;
/// The answer is partial: at least one region in scope did not contribute.
pub const PARTIAL: u8 = 3;

/// The exit code for an error that ended a command.
pub fn code_for(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<tonic::Status>().map(tonic::Status::code) {
        Some(Code::InvalidArgument | Code::PermissionDenied | Code::Unauthenticated | Code::ResourceExhausted) => {
            CALLER_ERROR
        }
        _ if error.downcast_ref::<CallerError>().is_some() => CALLER_ERROR,
        _ => FAILURE,
    }
}

/// A mistake in how the command was called.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CallerError(pub String);
