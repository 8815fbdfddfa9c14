//! Loads issuers' public keys from PEM and JWKS files into a key ring indexed by `kid`. Each key is
//! bound to one issuer and exactly one algorithm, and that algorithm must match the key's type
//! (EC curve, Ed25519, RSA), so a token can never pick how it is verified (threat catalogue items 2
//! and 3). Symmetric (HMAC) keys are refused: the hub only ever holds public keys.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

use crate::config::{AuthConfig, KeySourceConfig};

/// The largest key file read (PEM or JWKS).
pub const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;
/// The longest `kid` accepted in a key file.
pub const MAX_KEY_ID_CHARS: usize = 128;
/// Uncompressed SEC1 point length of a P-256 public key.
const P256_POINT_BYTES: usize = 65;
/// Uncompressed SEC1 point length of a P-384 public key.
const P384_POINT_BYTES: usize = 97;
/// Length of an Ed25519 public key. The EdDSA verifier slices the first 32 bytes, so a shorter
/// key must never reach it.
const ED25519_PUBLIC_KEY_BYTES: usize = 32;

/// Why keys could not be loaded. Names the file and key id, never key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read key file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_KEY_FILE_BYTES`].
    #[error("key file {path} is larger than {limit} bytes")]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// A PEM file does not hold a public key of the configured algorithm's type.
    #[error("key file {path} (kid {kid}) is not a public key for its configured algorithm")]
    InvalidPem {
        /// The file.
        path: PathBuf,
        /// The configured key id.
        kid: String,
    },
    /// A JWKS file is not a JSON key set.
    #[error("key file {path} is not a JWKS document")]
    InvalidJwks {
        /// The file.
        path: PathBuf,
    },
    /// A JWKS file holds no keys.
    #[error("key file {path} holds no keys")]
    EmptyJwks {
        /// The file.
        path: PathBuf,
    },
    /// A JWK has no `kid`, an empty one or an over-long one.
    #[error("key {index} in {path} has a missing, empty or over-long kid")]
    BadKeyId {
        /// The file.
        path: PathBuf,
        /// Position in the key set.
        index: usize,
    },
    /// A symmetric (HMAC) key or algorithm was configured.
    #[error("key {kid}: symmetric (HMAC) keys are refused")]
    SymmetricKey {
        /// The key id.
        kid: String,
    },
    /// The key's type, curve, `use` or `alg` is unsupported or inconsistent.
    #[error("key {kid}: unsupported or inconsistent key type, curve, use or algorithm")]
    UnsupportedKey {
        /// The key id.
        kid: String,
    },
    /// Two keys share one `kid`.
    #[error("key id {kid} appears more than once")]
    DuplicateKeyId {
        /// The key id.
        kid: String,
    },
}

/// One public key, bound to an issuer and a single algorithm.
#[derive(Debug, Clone)]
pub(crate) struct VerificationKey {
    /// Index of the owning issuer in [`AuthConfig::issuers`].
    pub issuer_index: usize,
    /// The only algorithm this key verifies.
    pub algorithm: Algorithm,
    /// The key itself.
    pub key: DecodingKey,
}

/// Every trusted key, by `kid`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyRing {
    by_kid: HashMap<String, VerificationKey>,
}

impl KeyRing {
    /// The key with this `kid`, if trusted.
    pub fn get(&self, kid: &str) -> Option<&VerificationKey> {
        self.by_kid.get(kid)
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.by_kid.len()
    }

    fn insert(&mut self, kid: String, key: VerificationKey) -> Result<(), KeyError> {
        if self.by_kid.contains_key(&kid) {
            return Err(KeyError::DuplicateKeyId { kid });
        }
        self.by_kid.insert(kid, key);
        Ok(())
    }
}

/// Reads every key source in `config` into a fresh key ring.
pub(crate) fn load_key_ring(config: &AuthConfig) -> Result<KeyRing, KeyError> {
    let mut ring = KeyRing::default();
    for (issuer_index, issuer) in config.issuers.iter().enumerate() {
        for source in &issuer.keys {
            for (kid, algorithm, key) in load_source(source)? {
                ring.insert(kid, VerificationKey { issuer_index, algorithm, key })?;
            }
        }
    }
    Ok(ring)
}

fn load_source(source: &KeySourceConfig) -> Result<Vec<(String, Algorithm, DecodingKey)>, KeyError> {
    match source {
        KeySourceConfig::Pem { kid, algorithm, path } => {
            let pem = read_limited(path)?;
            let key = decoding_key_from_pem(*algorithm, &pem, kid).map_err(|error| match error {
                PemKeyError::Symmetric => KeyError::SymmetricKey { kid: kid.clone() },
                PemKeyError::Invalid => KeyError::InvalidPem { path: path.clone(), kid: kid.clone() },
            })?;
            Ok(vec![(kid.clone(), *algorithm, key)])
        }
        KeySourceConfig::Jwks { path } => load_jwks(path),
    }
}

enum PemKeyError {
    Symmetric,
    Invalid,
}

/// Builds a decoding key from a public-key PEM, using the parser for the algorithm's key type.
fn decoding_key_from_pem(algorithm: Algorithm, pem: &[u8], kid: &str) -> Result<DecodingKey, PemKeyError> {
    let key = match algorithm.family() {
        AlgorithmFamily::Hmac => return Err(PemKeyError::Symmetric),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(pem),
        AlgorithmFamily::Ed => DecodingKey::from_ed_pem(pem),
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(pem),
    }
    .map_err(|_| PemKeyError::Invalid)?;
    if !key_fits_algorithm(&key, algorithm) {
        tracing::warn!(kid, "public key does not match its configured algorithm");
        return Err(PemKeyError::Invalid);
    }
    Ok(key)
}

/// Checks the key's type matches the algorithm, and its size the curve the algorithm uses.
fn key_fits_algorithm(key: &DecodingKey, algorithm: Algorithm) -> bool {
    if key.family() != algorithm.family() {
        return false;
    }
    let expected_point = match algorithm {
        Algorithm::ES256 => P256_POINT_BYTES,
        Algorithm::ES384 => P384_POINT_BYTES,
        Algorithm::EdDSA => ED25519_PUBLIC_KEY_BYTES,
        _ => return true,
    };
    key.try_get_as_bytes().map(|bytes| bytes.len() == expected_point).unwrap_or(false)
}

fn load_jwks(path: &Path) -> Result<Vec<(String, Algorithm, DecodingKey)>, KeyError> {
    let text = read_limited(path)?;
    let set: JwkSet = serde_json::from_slice(&text).map_err(|_| KeyError::InvalidJwks { path: path.to_path_buf() })?;
    if set.keys.is_empty() {
        return Err(KeyError::EmptyJwks { path: path.to_path_buf() });
    }
    let mut keys = Vec::with_capacity(set.keys.len());
    for (index, jwk) in set.keys.iter().enumerate() {
        let kid = match jwk.common.key_id.as_deref() {
            Some(kid) if !kid.is_empty() && kid.chars().count() <= MAX_KEY_ID_CHARS => kid,
            _ => {
                return Err(KeyError::BadKeyId { path: path.to_path_buf(), index });
            }
        };
        let (algorithm, key) = decoding_key_from_jwk(jwk, kid)?;
        keys.push((kid.to_owned(), algorithm, key));
    }
    Ok(keys)
}

/// Derives the single algorithm a JWK may verify from its key type and curve, checks any `alg`
/// and `use` it declares agree, and builds the key.
fn decoding_key_from_jwk(jwk: &Jwk, kid: &str) -> Result<(Algorithm, DecodingKey), KeyError> {
    let unsupported = || KeyError::UnsupportedKey { kid: kid.to_owned() };
    if matches!(&jwk.common.public_key_use, Some(usage) if *usage != PublicKeyUse::Signature) {
        return Err(unsupported());
    }
    let declared = match jwk.common.key_algorithm {
        Some(declared) => Some(Algorithm::from_str(&declared.to_string()).map_err(|_| unsupported())?),
        None => None,
    };
    let (algorithm, built) = match &jwk.algorithm {
        AlgorithmParameters::OctetKey(_) => {
            return Err(KeyError::SymmetricKey { kid: kid.to_owned() });
        }
        AlgorithmParameters::EllipticCurve(params) => {
            let algorithm = match params.curve {
                EllipticCurve::P256 => Algorithm::ES256,
                EllipticCurve::P384 => Algorithm::ES384,
                _ => return Err(unsupported()),
            };
            (algorithm, DecodingKey::from_ec_components(&params.x, &params.y))
        }
        AlgorithmParameters::OctetKeyPair(params) => {
            if params.curve != EllipticCurve::Ed25519 {
                return Err(unsupported());
            }
            (Algorithm::EdDSA, DecodingKey::from_ed_components(&params.x))
        }
        AlgorithmParameters::RSA(params) => {
            // RS* and PS* share a key type, so an RSA JWK must say which one it is for.
            let algorithm =
                declared.filter(|declared| declared.family() == AlgorithmFamily::Rsa).ok_or_else(unsupported)?;
            (algorithm, DecodingKey::from_rsa_components(&params.n, &params.e))
        }
        _ => return Err(unsupported()),
    };
    if declared.is_some_and(|declared| declared != algorithm) {
        return Err(unsupported());
    }
    let key = built.map_err(|_| unsupported())?;
    if !key_fits_algorithm(&key, algorithm) {
        return Err(unsupported());
    }
    Ok((algorithm, key))
}

fn read_limited(path: &Path) -> Result<Vec<u8>, KeyError> {
    let read_error = |source| KeyError::Read { path: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
    if metadata.len() > MAX_KEY_FILE_BYTES {
        return Err(KeyError::FileTooLarge { path: path.to_path_buf(), limit: MAX_KEY_FILE_BYTES });
    }
    std::fs::read(path).map_err(read_error)
}
