//! Shared fixtures for the integration tests: a dev issuer in a temporary directory, a verifier
//! trusting it, and helpers to sign arbitrary headers and payloads.

#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use tempfile::TempDir;
use toex_security::dev::{self, DEV_AUDIENCE, DEV_ISSUER, IssuerKeyFiles};
use toex_security::{AuthConfig, TokenVerifier};

/// A fixed "now" for every test.
pub const NOW: u64 = 1_800_000_000;

/// A dev issuer and a verifier trusting it.
pub struct Fixture {
    pub dir: TempDir,
    pub files: IssuerKeyFiles,
    pub signing_pem: String,
    pub verifier: TokenVerifier,
}

pub fn issuer_in(dir: &std::path::Path) -> (IssuerKeyFiles, String) {
    let files = dev::generate_issuer_keys(dir).expect("generate issuer keys");
    let pem = std::fs::read_to_string(&files.signing_key).expect("read signing key");
    (files, pem)
}

pub fn fixture() -> Fixture {
    let dir = TempDir::new().expect("tempdir");
    let (files, signing_pem) = issuer_in(dir.path());
    let config = dev::dev_auth_config(&files);
    let verifier = TokenVerifier::from_config(&config).expect("verifier");
    Fixture { dir, files, signing_pem, verifier }
}

pub fn verifier_for(config: &AuthConfig) -> TokenVerifier {
    TokenVerifier::from_config(config).expect("verifier")
}

pub fn good_header(kid: &str) -> Value {
    json!({"alg": "EdDSA", "typ": "at+jwt", "kid": kid})
}

pub fn good_payload() -> Value {
    json!({
        "iss": DEV_ISSUER,
        "sub": "analyst.one",
        "aud": DEV_AUDIENCE,
        "exp": NOW + 300,
        "nbf": NOW,
        "iat": NOW,
        "jti": "8d7f0c1e-token-id",
        "name": "Analyst One",
        "home_region": "NWROCU",
        "roles": ["regional_analyst"],
        "clearance": "OFFICIAL-SENSITIVE",
    })
}

pub fn encode_segment(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs the exact header and payload bytes with an Ed25519 PKCS#8 PEM key.
pub fn sign_text(pem: &str, header: &str, payload: &str) -> String {
    let key = EncodingKey::from_ed_pem(pem.as_bytes()).expect("ed key");
    sign_text_with(&key, Algorithm::EdDSA, header, payload)
}

pub fn sign_text_with(key: &EncodingKey, algorithm: Algorithm, header: &str, payload: &str) -> String {
    let signing_input = format!("{}.{}", encode_segment(header.as_bytes()), encode_segment(payload.as_bytes()));
    let signature = jsonwebtoken::crypto::sign(signing_input.as_bytes(), key, algorithm).expect("sign");
    format!("{signing_input}.{signature}")
}

/// Signs a JSON header and payload with an Ed25519 PEM key.
pub fn sign(pem: &str, header: &Value, payload: &Value) -> String {
    sign_text(pem, &header.to_string(), &payload.to_string())
}

/// `payload` with `name` removed.
pub fn without(mut payload: Value, name: &str) -> Value {
    if let Some(object) = payload.as_object_mut() {
        object.remove(name);
    }
    payload
}

/// `payload` with `name` set to `value`.
pub fn with(mut payload: Value, name: &str, value: Value) -> Value {
    if let Some(object) = payload.as_object_mut() {
        object.insert(name.to_owned(), value);
    }
    payload
}
