//! Ed25519 key pairs for the dev issuer and the hub's delegation signer: generation from the
//! operating system's randomness, PEM encoding (PKCS#8 private, SubjectPublicKeyInfo public), a
//! stable key id derived from the public key, and the public key as a JWK.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::TryRngCore;
use sha2::{Digest, Sha256};

/// Hex characters of the public key's SHA-256 used as its `kid`.
const KEY_ID_HEX_CHARS: usize = 16;

/// A key could not be encoded or decoded. Carries no key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyPemError {
    /// PEM encoding failed.
    #[error("cannot encode the key as PEM")]
    Encode,
    /// The operating system's randomness is unavailable.
    #[error("operating-system randomness unavailable")]
    Randomness,
    /// The text is not a PKCS#8 Ed25519 private key.
    #[error("not a PKCS#8 Ed25519 private key")]
    NotEd25519PrivateKey,
}

/// A fresh signing key from the operating system's randomness.
pub(crate) fn generate_signing_key() -> Result<SigningKey, KeyPemError> {
    let mut seed = [0_u8; 32];
    rand::rngs::OsRng.try_fill_bytes(&mut seed).map_err(|_| KeyPemError::Randomness)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The private key as PKCS#8 PEM.
pub(crate) fn private_key_pem(key: &SigningKey) -> Result<String, KeyPemError> {
    key.to_pkcs8_pem(LineEnding::LF).map(|pem| pem.as_str().to_owned()).map_err(|_| KeyPemError::Encode)
}

/// The public key as SubjectPublicKeyInfo PEM.
pub(crate) fn public_key_pem(key: &VerifyingKey) -> Result<String, KeyPemError> {
    key.to_public_key_pem(LineEnding::LF).map_err(|_| KeyPemError::Encode)
}

/// Reads a PKCS#8 PEM private key.
pub(crate) fn signing_key_from_pem(pem: &str) -> Result<SigningKey, KeyPemError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|_| KeyPemError::NotEd25519PrivateKey)
}

/// A stable key id: the first hex characters of the public key's SHA-256.
pub(crate) fn key_id(key: &VerifyingKey) -> String {
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    digest[..KEY_ID_HEX_CHARS].to_owned()
}

/// The public key as a JWK (`OKP`, `Ed25519`, `alg` `EdDSA`, `use` `sig`).
pub(crate) fn public_jwk(key: &VerifyingKey, kid: &str) -> serde_json::Value {
    serde_json::json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "kid": kid,
        "x": URL_SAFE_NO_PAD.encode(key.as_bytes()),
    })
}
