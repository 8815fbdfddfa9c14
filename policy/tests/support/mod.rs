//! Shared builders for the policy crate's integration tests.

#![allow(dead_code)]

use toex_common::markings::Classification;
use toex_policy::{Principal, Purpose, Request, RequestKind};

/// Home region of the test principals.
pub const HOME: &str = "NWROCU";
/// Another region.
pub const OTHER: &str = "LONDON";

pub fn principal(role: &str, clearance: Option<Classification>) -> Principal {
    Principal { subject: format!("{role}-user"), home_region: HOME.to_owned(), roles: vec![role.to_owned()], clearance }
}

pub fn purpose() -> Purpose {
    Purpose {
        justification: "tracing a county line deal phone".to_owned(),
        case_reference: "OP-KESTREL-2025".to_owned(),
    }
}

pub fn request(principal: &Principal, region: &str, dataset: &str, kind: RequestKind) -> Request {
    Request {
        principal: principal.clone(),
        purpose: purpose(),
        dataset: dataset.to_owned(),
        region: region.to_owned(),
        kind,
    }
}
