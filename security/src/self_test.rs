//! A start-up self-test of the JWT crypto provider: sign and verify with a fixed throwaway
//! Ed25519 key, and check a tampered message fails. A `jsonwebtoken` built without a working
//! provider panics on first use; this turns that into an error before anything serves
//! (threat catalogue item 20).

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

/// A fixed seed: the self-test key protects nothing.
const SELF_TEST_SEED: [u8; 32] = [7; 32];
const SELF_TEST_MESSAGE: &[u8] = b"toex-security self-test";
const TAMPERED_MESSAGE: &[u8] = b"toex-security self-tesT";

/// The JWT crypto provider is missing or broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SelfTestError {
    /// Signing or verifying failed, panicked, or accepted a tampered message.
    #[error("JWT crypto self-test failed: no working crypto provider")]
    CryptoUnavailable,
}

/// Runs the self-test once; call at start-up before serving.
pub fn crypto_self_test() -> Result<(), SelfTestError> {
    let outcome = std::panic::catch_unwind(run_self_test);
    match outcome {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(SelfTestError::CryptoUnavailable),
    }
}

fn run_self_test() -> bool {
    let signing_key = SigningKey::from_bytes(&SELF_TEST_SEED);
    let Ok(private_der) = signing_key.to_pkcs8_der() else {
        return false;
    };
    let encoding_key = EncodingKey::from_ed_der(private_der.as_bytes());
    let decoding_key = DecodingKey::from_ed_der(signing_key.verifying_key().as_bytes());
    let Ok(signature) = jsonwebtoken::crypto::sign(SELF_TEST_MESSAGE, &encoding_key, Algorithm::EdDSA) else {
        return false;
    };
    let genuine = jsonwebtoken::crypto::verify(&signature, SELF_TEST_MESSAGE, &decoding_key, Algorithm::EdDSA);
    let tampered = jsonwebtoken::crypto::verify(&signature, TAMPERED_MESSAGE, &decoding_key, Algorithm::EdDSA);
    matches!((genuine, tampered), (Ok(true), Ok(false)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_test_passes_with_the_rust_crypto_provider() {
        assert_eq!(crypto_self_test(), Ok(()));
    }
}
