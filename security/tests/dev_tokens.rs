//! Dev keys and tokens: what `toex token` and the demo rely on.

mod support;

use std::time::Duration;

use support::NOW;
use toex_security::dev::{self, DEV_AUDIENCE, DEV_ISSUER, DevError, DevTokenRequest};
use toex_security::{Clearance, Role, TokenError, TokenVerifier, ValidityError};

fn request(lifetime: Duration) -> DevTokenRequest {
    DevTokenRequest {
        subject: "national.analyst".to_owned(),
        name: Some("Nat Analyst".to_owned()),
        home_region: Some("LONDON".to_owned()),
        roles: vec!["national_analyst".to_owned(), "auditor".to_owned()],
        clearance: Some("SECRET".to_owned()),
        issuer: DEV_ISSUER.to_owned(),
        audience: DEV_AUDIENCE.to_owned(),
        lifetime,
    }
}

#[test]
fn minted_tokens_verify_with_the_generated_jwks() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let files = dev::generate_issuer_keys(dir.path()).expect("keys");
    let key = dev::DevSigningKey::from_file(&files.signing_key).expect("key");
    assert_eq!(key.key_id(), files.kid);
    let verifier = TokenVerifier::from_config(&dev::dev_auth_config(&files)).expect("verifier");
    let token = dev::mint_token_at(&key, &request(Duration::from_secs(3600)), NOW).expect("mint");
    let claims = verifier.verify(&token, NOW).expect("verify");
    assert_eq!(claims.subject, "national.analyst");
    assert_eq!(claims.display_name.as_deref(), Some("Nat Analyst"));
    assert_eq!(claims.home_region.as_deref(), Some("LONDON"));
    assert_eq!(claims.roles, vec![Role::NationalAnalyst, Role::Auditor]);
    assert_eq!(claims.clearance, Clearance::Secret);
    assert_eq!(claims.expires_at.timestamp(), (NOW + 3600) as i64);
    assert_eq!(verifier.verify(&token, NOW + 3600 + 30), Err(TokenError::Validity(ValidityError::Expired)));
}

#[test]
fn mint_token_uses_the_system_clock() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let files = dev::generate_issuer_keys(dir.path()).expect("keys");
    let key = dev::DevSigningKey::from_file(&files.signing_key).expect("key");
    let verifier = TokenVerifier::from_config(&dev::dev_auth_config(&files)).expect("verifier");
    let token = dev::mint_token(&key, &request(Duration::from_secs(600))).expect("mint");
    let now = toex_security::Clock::now(&toex_security::SystemClock);
    assert!(verifier.verify(&token, now).is_ok());
}

#[test]
fn lifetimes_are_bounded() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let files = dev::generate_issuer_keys(dir.path()).expect("keys");
    let key = dev::DevSigningKey::from_file(&files.signing_key).expect("key");
    for lifetime in [Duration::ZERO, dev::MAX_DEV_TOKEN_LIFETIME + Duration::from_secs(1)] {
        assert!(matches!(
            dev::mint_token_at(&key, &request(lifetime), NOW),
            Err(DevError::Lifetime { max_secs: 43_200 })
        ));
    }
}

#[cfg(unix)]
#[test]
fn private_keys_are_written_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::TempDir::new().expect("tempdir");
    let issuer = dev::generate_issuer_keys(dir.path()).expect("keys");
    let delegation = dev::generate_delegation_keys(dir.path()).expect("keys");
    for path in [issuer.signing_key, delegation.signing_key] {
        let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
    }
}

#[test]
fn debug_of_the_dev_key_shows_only_its_id() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let files = dev::generate_issuer_keys(dir.path()).expect("keys");
    let pem = std::fs::read_to_string(&files.signing_key).expect("read");
    let key = dev::DevSigningKey::from_pem(&pem).expect("key");
    let rendered = format!("{key:?}");
    assert!(rendered.contains(&files.kid));
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    assert!(!rendered.contains(&body));
}
