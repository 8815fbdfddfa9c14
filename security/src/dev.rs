//! Development keys and tokens for `toex token`, the demo and tests. **Never for production**:
//! the keys are written to local files and anyone holding them can mint any identity.
//!
//! The dev issuer signs `at+jwt` access tokens with Ed25519 (`EdDSA`) and publishes its public key
//! as a PEM file and a one-key JWKS; [`dev_auth_config`] trusts exactly that JWKS. The hub's
//! delegation key pair is generated the same way.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::clock::{Clock, SystemClock, UnixSeconds};
use crate::config::{AuthConfig, KeySourceConfig};
use crate::ed25519_keys::{
    KeyPemError, generate_signing_key, key_id, private_key_pem, public_jwk, public_key_pem, signing_key_from_pem,
};

/// The `iss` of dev tokens.
pub const DEV_ISSUER: &str = "toex-dev-issuer";
/// The `aud` of dev tokens: the hub.
pub const DEV_AUDIENCE: &str = "toex-hub";
/// The longest lifetime a dev token may have.
pub const MAX_DEV_TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// File names written by [`generate_issuer_keys`] and [`generate_delegation_keys`].
pub const ISSUER_SIGNING_KEY_FILE: &str = "issuer-signing-key.pem";
/// The dev issuer's public key as PEM.
pub const ISSUER_PUBLIC_KEY_FILE: &str = "issuer-public-key.pem";
/// The dev issuer's public key as a JWKS.
pub const ISSUER_JWKS_FILE: &str = "issuer-jwks.json";
/// The hub's delegation private key.
pub const DELEGATION_SIGNING_KEY_FILE: &str = "delegation-signing-key.pem";
/// The hub's delegation public key, given to every node.
pub const DELEGATION_PUBLIC_KEY_FILE: &str = "delegation-public-key.pem";

/// A dev key or token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DevError {
    /// Writing or reading a key file failed.
    #[error("cannot access {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Key generation or encoding failed, or a PEM is not an Ed25519 private key.
    #[error(transparent)]
    Key(#[from] KeyPemError),
    /// The requested lifetime is zero or longer than [`MAX_DEV_TOKEN_LIFETIME`].
    #[error("dev token lifetime must be between 1 second and {max_secs} seconds")]
    Lifetime {
        /// [`MAX_DEV_TOKEN_LIFETIME`] in seconds.
        max_secs: u64,
    },
    /// Signing failed.
    #[error("cannot sign the dev token")]
    Signing,
}

/// Where [`generate_issuer_keys`] wrote the dev issuer's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerKeyFiles {
    /// PKCS#8 private key (mode 0600 on Unix).
    pub signing_key: PathBuf,
    /// SubjectPublicKeyInfo public key.
    pub public_key: PathBuf,
    /// One-key JWKS.
    pub jwks: PathBuf,
    /// The key id tokens carry.
    pub kid: String,
}

/// Where [`generate_delegation_keys`] wrote the hub's delegation keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationKeyFiles {
    /// PKCS#8 private key for [`crate::DelegationSigner::new`] (mode 0600 on Unix).
    pub signing_key: PathBuf,
    /// Public key PEM for [`crate::DelegationVerifier::new`].
    pub public_key: PathBuf,
}

/// What a dev token should say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevTokenRequest {
    /// `sub`.
    pub subject: String,
    /// `name`, if any.
    pub name: Option<String>,
    /// `home_region`, if any.
    pub home_region: Option<String>,
    /// `roles` as written (unknown names allowed, to exercise deny-by-default).
    pub roles: Vec<String>,
    /// `clearance` as written, if any.
    pub clearance: Option<String>,
    /// `iss`; normally [`DEV_ISSUER`].
    pub issuer: String,
    /// `aud`; normally [`DEV_AUDIENCE`].
    pub audience: String,
    /// Time from issue to `exp`.
    pub lifetime: Duration,
}

/// The dev issuer's private key, ready to sign. Its `Debug` shows only the key id.
pub struct DevSigningKey {
    key: EncodingKey,
    kid: String,
}

impl std::fmt::Debug for DevSigningKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("DevSigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl DevSigningKey {
    /// Reads a PKCS#8 Ed25519 private key PEM; the key id is derived from its public key.
    pub fn from_pem(pem: &str) -> Result<Self, DevError> {
        let signing_key = signing_key_from_pem(pem)?;
        let key = EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|_| KeyPemError::NotEd25519PrivateKey)?;
        Ok(Self { key, kid: key_id(&signing_key.verifying_key()) })
    }

    /// Reads the key from a file written by [`generate_issuer_keys`].
    pub fn from_file(path: &Path) -> Result<Self, DevError> {
        let pem = std::fs::read_to_string(path).map_err(|source| DevError::Io { path: path.to_path_buf(), source })?;
        Self::from_pem(&pem)
    }

    /// The `kid` of tokens this key signs.
    pub fn key_id(&self) -> &str {
        &self.kid
    }
}

/// Generates a dev issuer key pair in `dir` (created if needed), overwriting earlier files.
pub fn generate_issuer_keys(dir: &Path) -> Result<IssuerKeyFiles, DevError> {
    create_dir(dir)?;
    let signing_key = generate_signing_key()?;
    let verifying_key = signing_key.verifying_key();
    let kid = key_id(&verifying_key);
    let files = IssuerKeyFiles {
        signing_key: dir.join(ISSUER_SIGNING_KEY_FILE),
        public_key: dir.join(ISSUER_PUBLIC_KEY_FILE),
        jwks: dir.join(ISSUER_JWKS_FILE),
        kid: kid.clone(),
    };
    let jwks = json!({ "keys": [public_jwk(&verifying_key, &kid)] });
    write_private(&files.signing_key, &private_key_pem(&signing_key)?)?;
    write_public(&files.public_key, &public_key_pem(&verifying_key)?)?;
    write_public(&files.jwks, &jwks.to_string())?;
    tracing::info!(dir = %dir.display(), kid, "generated dev issuer keys (not for production)");
    Ok(files)
}

/// Generates the hub's delegation key pair in `dir` (created if needed).
pub fn generate_delegation_keys(dir: &Path) -> Result<DelegationKeyFiles, DevError> {
    create_dir(dir)?;
    let signing_key = generate_signing_key()?;
    let files = DelegationKeyFiles {
        signing_key: dir.join(DELEGATION_SIGNING_KEY_FILE),
        public_key: dir.join(DELEGATION_PUBLIC_KEY_FILE),
    };
    write_private(&files.signing_key, &private_key_pem(&signing_key)?)?;
    write_public(&files.public_key, &public_key_pem(&signing_key.verifying_key())?)?;
    tracing::info!(dir = %dir.display(), "generated delegation keys (not for production)");
    Ok(files)
}

/// An [`AuthConfig`] trusting only the dev issuer's JWKS, for audience [`DEV_AUDIENCE`].
pub fn dev_auth_config(files: &IssuerKeyFiles) -> AuthConfig {
    AuthConfig::single_issuer(DEV_ISSUER, DEV_AUDIENCE, vec![KeySourceConfig::Jwks { path: files.jwks.clone() }])
}

/// Mints an `at+jwt` access token valid from now.
pub fn mint_token(key: &DevSigningKey, request: &DevTokenRequest) -> Result<String, DevError> {
    mint_token_at(key, request, SystemClock.now())
}

/// Mints an `at+jwt` access token valid from `now` for `request.lifetime`.
pub fn mint_token_at(key: &DevSigningKey, request: &DevTokenRequest, now: UnixSeconds) -> Result<String, DevError> {
    if request.lifetime.is_zero() || request.lifetime > MAX_DEV_TOKEN_LIFETIME {
        return Err(DevError::Lifetime { max_secs: MAX_DEV_TOKEN_LIFETIME.as_secs() });
    }
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("at+jwt".to_owned());
    header.kid = Some(key.kid.clone());
    let mut claims = json!({
        "iss": request.issuer,
        "sub": request.subject,
        "aud": request.audience,
        "iat": now,
        "nbf": now,
        "exp": now.saturating_add(request.lifetime.as_secs()),
        "jti": uuid::Uuid::new_v4().to_string(),
        "roles": request.roles,
    });
    let optional = [("name", &request.name), ("home_region", &request.home_region), ("clearance", &request.clearance)];
    for (name, value) in optional {
        if let (Some(text), Some(object)) = (value, claims.as_object_mut()) {
            object.insert(name.to_owned(), json!(text));
        }
    }
    jsonwebtoken::encode(&header, &claims, &key.key).map_err(|_| DevError::Signing)
}

fn create_dir(dir: &Path) -> Result<(), DevError> {
    std::fs::create_dir_all(dir).map_err(|source| DevError::Io { path: dir.to_path_buf(), source })
}

fn write_public(path: &Path, contents: &str) -> Result<(), DevError> {
    std::fs::write(path, contents).map_err(|source| DevError::Io { path: path.to_path_buf(), source })
}

/// Writes `contents` to `path` readable by the owner only (mode 0600 on Unix): for keys and
/// tokens.
pub fn write_private(path: &Path, contents: &str) -> Result<(), DevError> {
    let io_error = |source| DevError::Io { path: path.to_path_buf(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_error)?;
    file.write_all(contents.as_bytes()).map_err(io_error)
}
