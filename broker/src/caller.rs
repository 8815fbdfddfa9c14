//! Who is asking and why: the verified facts every data request at the hub is answered for. The
//! authentication layer produced the claims; the purpose has been validated.

use std::sync::Arc;

use toex_common::trace_context::TraceContext;
use toex_policy::{Principal, Purpose as PolicyPurpose, policy_purpose, principal_from_claims};
use toex_security::{Purpose, VerifiedClaims};

/// An authenticated caller with a validated purpose.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The verified access-token claims.
    pub claims: Arc<VerifiedClaims>,
    /// The validated justification and case reference.
    pub purpose: Purpose,
    /// The trace the request belongs to; every node call carries it on.
    pub trace: TraceContext,
}

impl Caller {
    /// The caller as policy sees them.
    pub fn principal(&self) -> Principal {
        principal_from_claims(&self.claims)
    }

    /// The purpose as policy sees it.
    pub fn policy_purpose(&self) -> PolicyPurpose {
        policy_purpose(&self.purpose)
    }

    /// The purpose as the wire carries it.
    pub fn wire_purpose(&self) -> toex_proto::v1::Purpose {
        toex_proto::v1::Purpose {
            justification: self.purpose.justification.clone(),
            case_reference: self.purpose.case_reference.clone(),
        }
    }
}
