//! The bytes of a node request that the hub's delegation token binds: the protobuf encoding of
//! the request with its `delegation_token` field empty. Hub and node compute them the same way,
//! so any change to the SQL, the identifiers, the purpose, the query id or the row cap after
//! signing makes the node refuse the token.

use prost::Message;
use toex_proto::v1::{ExecuteRequest, NodeAuditSearchRequest, NodeCheckRequest, NodeSearchRequest};

/// A node request that carries a delegation token.
pub trait SignedRequest: Message + Clone {
    /// The token carried.
    fn delegation_token(&self) -> &str;
    /// The same request with `token` attached.
    fn with_delegation_token(self, token: String) -> Self;
    /// The bytes the token's query hash covers.
    fn signed_bytes(&self) -> Vec<u8> {
        self.clone().with_delegation_token(String::new()).encode_to_vec()
    }
}

impl SignedRequest for ExecuteRequest {
    fn delegation_token(&self) -> &str {
        &self.delegation_token
    }

    fn with_delegation_token(self, token: String) -> Self {
        Self { delegation_token: token, ..self }
    }
}

impl SignedRequest for NodeCheckRequest {
    fn delegation_token(&self) -> &str {
        &self.delegation_token
    }

    fn with_delegation_token(self, token: String) -> Self {
        Self { delegation_token: token, ..self }
    }
}

impl SignedRequest for NodeSearchRequest {
    fn delegation_token(&self) -> &str {
        &self.delegation_token
    }

    fn with_delegation_token(self, token: String) -> Self {
        Self { delegation_token: token, ..self }
    }
}

impl SignedRequest for NodeAuditSearchRequest {
    fn delegation_token(&self) -> &str {
        &self.delegation_token
    }

    fn with_delegation_token(self, token: String) -> Self {
        Self { delegation_token: token, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_not_part_of_the_signed_bytes_but_everything_else_is() {
        let request = ExecuteRequest { query_id: "q".into(), sql: "SELECT 1".into(), ..Default::default() };
        let signed = request.clone().with_delegation_token("token".into());
        assert_eq!(request.signed_bytes(), signed.signed_bytes());
        let altered = ExecuteRequest { sql: "SELECT 2".into(), ..signed.clone() };
        assert_ne!(altered.signed_bytes(), signed.signed_bytes());
    }
}
