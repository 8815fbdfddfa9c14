//! Builds the policy's plain [`Principal`] and [`Purpose`] from the verified facts the security
//! crate produces: the caller's access-token claims at the hub, and the hub's delegation claims
//! at a node. Only verified facts become a principal; nothing here parses a token.

use toex_common::markings::Classification;
use toex_security::{Clearance, DelegationClaims, VerifiedClaims};

use crate::request::{Principal, Purpose};

/// The classification a clearance reaches; `None` for a caller without a recognised clearance.
pub fn clearance_classification(clearance: Clearance) -> Option<Classification> {
    match clearance {
        Clearance::Uncleared => None,
        Clearance::Official => Some(Classification::Official),
        Clearance::OfficialSensitive => Some(Classification::OfficialSensitive),
        Clearance::Secret => Some(Classification::Secret),
    }
}

/// The principal described by a caller's verified access token. A caller without a home region
/// gets an empty one, which matches no region.
pub fn principal_from_claims(claims: &VerifiedClaims) -> Principal {
    Principal {
        subject: claims.subject.clone(),
        home_region: claims.home_region.clone().unwrap_or_default(),
        roles: claims.roles.iter().map(|role| role.as_str().to_owned()).collect(),
        clearance: clearance_classification(claims.clearance),
    }
}

/// The principal a node acts for, as the hub's verified delegation token describes them.
pub fn principal_from_delegation(claims: &DelegationClaims) -> Principal {
    Principal {
        subject: claims.subject.clone(),
        home_region: claims.home_region.clone().unwrap_or_default(),
        roles: claims.roles.iter().map(|role| role.as_str().to_owned()).collect(),
        clearance: clearance_classification(claims.clearance),
    }
}

/// The policy's view of a validated purpose.
pub fn policy_purpose(purpose: &toex_security::Purpose) -> Purpose {
    Purpose { justification: purpose.justification.clone(), case_reference: purpose.case_reference.clone() }
}
