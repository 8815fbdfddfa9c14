//! Signing the delegation token that goes with every call to a node: it binds the caller, the
//! purpose, the exact request bytes, the target node and what the hub's policy grants there.

use std::collections::HashMap;
use std::sync::Arc;

use toex_common::signed_request::SignedRequest;
use toex_policy::Access;
use toex_security::delegation::DelegationClaims;
use toex_security::{Clock, DelegationSigner, SystemClock};

use crate::caller::Caller;

/// What one query may send to each region, and the means to sign it.
#[derive(Debug)]
pub struct Delegation {
    signer: Arc<DelegationSigner>,
    caller: Caller,
    query_id: String,
    /// The hub's grant per `(region, table)`; a pair absent here is not sent.
    grants: HashMap<(String, String), Access>,
}

impl Delegation {
    /// A delegation for one query.
    pub fn new(
        signer: Arc<DelegationSigner>,
        caller: Caller,
        query_id: String,
        grants: HashMap<(String, String), Access>,
    ) -> Self {
        Self { signer, caller, query_id, grants }
    }

    /// The query this delegation belongs to.
    pub fn query_id(&self) -> &str {
        &self.query_id
    }

    /// The caller the nodes act for.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// `request` with a token for `region`, granting what the hub allows there for `tables`.
    pub fn sign<R: SignedRequest>(&self, request: R, region: &str, tables: &[&str]) -> Result<R, String> {
        let mut claims = DelegationClaims::for_query(
            &self.caller.claims,
            &self.caller.purpose,
            &request.signed_bytes(),
            region,
            &self.query_id,
            SystemClock.now(),
        );
        for table in tables {
            if let Some(access) = self.grants.get(&(region.to_owned(), (*table).to_owned())) {
                claims = claims.with_grant(table, access.as_str());
            }
        }
        let token = self.signer.sign(&claims).map_err(|error| format!("cannot sign delegation: {error}"))?;
        Ok(request.with_delegation_token(token))
    }
}
