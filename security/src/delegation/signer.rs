//! The hub's side: signs delegation claims with its Ed25519 key.

use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::delegation::claims::{DELEGATION_ISSUER, DELEGATION_LIFETIME_SECS, DELEGATION_TOKEN_TYPE, DelegationClaims};
use crate::delegation::error::DelegationError;
use crate::ed25519_keys::{KeyPemError, key_id, signing_key_from_pem};
use crate::self_test::crypto_self_test;

/// Signs delegation tokens. Holds the hub's private key; its `Debug` shows only the key id.
pub struct DelegationSigner {
    key: EncodingKey,
    kid: String,
}

impl std::fmt::Debug for DelegationSigner {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("DelegationSigner").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl DelegationSigner {
    /// A signer from the hub's PKCS#8 Ed25519 private key PEM. Runs the crypto self-test.
    pub fn new(private_key_pem: &str) -> Result<Self, DelegationError> {
        crypto_self_test()?;
        let signing_key = signing_key_from_pem(private_key_pem)?;
        let key =
            EncodingKey::from_ed_pem(private_key_pem.as_bytes()).map_err(|_| KeyPemError::NotEd25519PrivateKey)?;
        Ok(Self { key, kid: key_id(&signing_key.verifying_key()) })
    }

    /// The id of the hub's key (a prefix of the SHA-256 of its public key).
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    /// Signs `claims`. Refuses claims a node would refuse anyway: a foreign issuer, an empty
    /// target node, or a lifetime longer than [`DELEGATION_LIFETIME_SECS`].
    pub fn sign(&self, claims: &DelegationClaims) -> Result<String, DelegationError> {
        if claims.issuer != DELEGATION_ISSUER || claims.target_node.is_empty() {
            return Err(DelegationError::Signing);
        }
        let lifetime = claims.expires_at.checked_sub(claims.issued_at);
        if lifetime.is_none_or(|seconds| seconds > DELEGATION_LIFETIME_SECS) {
            return Err(DelegationError::LifetimeTooLong { max: DELEGATION_LIFETIME_SECS });
        }
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(DELEGATION_TOKEN_TYPE.to_owned());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|_| DelegationError::Signing)
    }
}
