//! Key sources, rotation by `kid` (threat catalogue items 11 and 13), several issuers (item 9),
//! ES256 keys from PEM, and configs that must refuse to start.

mod support;

use jsonwebtoken::{Algorithm, EncodingKey};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use support::*;
use toex_security::dev::{DEV_AUDIENCE, DEV_ISSUER};
use toex_security::{
    AuthConfig, ClaimError, ConfigError, IssuerConfig, JwsError, KeyError, KeySourceConfig, ReloadOutcome, TokenError,
    TokenVerifier, VerifierSetupError,
};

fn jwk_of(jwks_path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(jwks_path).expect("jwks");
    let parsed: Value = serde_json::from_str(&text).expect("json");
    parsed["keys"][0].clone()
}

#[test]
fn item_13_rotation_by_kid_and_removal_after_reload() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let (key_a, pem_a) = issuer_in(&dir.path().join("a"));
    let (key_b, pem_b) = issuer_in(&dir.path().join("b"));
    let jwks_path = dir.path().join("rotating-jwks.json");
    let both = json!({"keys": [jwk_of(&key_a.jwks), jwk_of(&key_b.jwks)]});
    std::fs::write(&jwks_path, both.to_string()).expect("write");
    let config =
        AuthConfig::single_issuer(DEV_ISSUER, DEV_AUDIENCE, vec![KeySourceConfig::Jwks { path: jwks_path.clone() }]);
    let verifier = verifier_for(&config);
    let token_a = sign(&pem_a, &good_header(&key_a.kid), &good_payload());
    let token_b = sign(&pem_b, &good_header(&key_b.kid), &good_payload());
    assert!(verifier.verify(&token_a, NOW).is_ok());
    assert!(verifier.verify(&token_b, NOW).is_ok());

    let only_b = json!({"keys": [jwk_of(&key_b.jwks)]});
    std::fs::write(&jwks_path, only_b.to_string()).expect("write");
    assert_eq!(verifier.reload(NOW).expect("reload"), ReloadOutcome::Reloaded { keys: 1 });
    assert_eq!(verifier.reload(NOW + 59).expect("reload"), ReloadOutcome::TooSoon);
    assert_eq!(verifier.verify(&token_a, NOW), Err(TokenError::UnknownKeyId));
    assert!(verifier.verify(&token_b, NOW).is_ok());

    // A broken file on the next reload keeps the last good keys in force.
    std::fs::write(&jwks_path, "{ not json").expect("write");
    assert!(matches!(verifier.reload(NOW + 60), Err(KeyError::InvalidJwks { .. })));
    assert!(verifier.verify(&token_b, NOW + 60).is_ok());
}

#[test]
fn item_11_a_new_kid_is_picked_up_by_the_rate_limited_reload() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let (key_a, _) = issuer_in(&dir.path().join("a"));
    let (key_b, pem_b) = issuer_in(&dir.path().join("b"));
    let jwks_path = dir.path().join("jwks.json");
    std::fs::write(&jwks_path, json!({"keys": [jwk_of(&key_a.jwks)]}).to_string()).expect("write");
    let config =
        AuthConfig::single_issuer(DEV_ISSUER, DEV_AUDIENCE, vec![KeySourceConfig::Jwks { path: jwks_path.clone() }]);
    let verifier = verifier_for(&config);
    let token_b = sign(&pem_b, &good_header(&key_b.kid), &good_payload());
    assert_eq!(verifier.verify(&token_b, NOW), Err(TokenError::UnknownKeyId));
    std::fs::write(&jwks_path, json!({"keys": [jwk_of(&key_a.jwks), jwk_of(&key_b.jwks)]}).to_string()).expect("write");
    // Within the interval the new key is not looked for again...
    assert_eq!(verifier.verify(&token_b, NOW + 10), Err(TokenError::UnknownKeyId));
    assert_eq!(verifier.reload_count(), 1);
    // ...after it, the unknown kid triggers one reload and is found.
    assert!(verifier.verify(&token_b, NOW + 60).is_ok());
    assert_eq!(verifier.reload_count(), 2);
}

#[test]
fn item_09_keys_are_bound_to_their_issuer() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let (key_a, pem_a) = issuer_in(&dir.path().join("a"));
    let (key_b, pem_b) = issuer_in(&dir.path().join("b"));
    let config = AuthConfig {
        issuers: vec![
            IssuerConfig {
                issuer: "https://idp-a.police.example".to_owned(),
                audience: "toex-hub".to_owned(),
                keys: vec![KeySourceConfig::Jwks { path: key_a.jwks.clone() }],
            },
            IssuerConfig {
                issuer: "https://idp-b.police.example".to_owned(),
                audience: "toex-hub-b".to_owned(),
                keys: vec![KeySourceConfig::Pem {
                    kid: key_b.kid.clone(),
                    algorithm: Algorithm::EdDSA,
                    path: key_b.public_key.clone(),
                }],
            },
        ],
        leeway_secs: 30,
        jwks_min_reload_interval_secs: 60,
    };
    let verifier = verifier_for(&config);
    let from_b = with(with(good_payload(), "iss", json!("https://idp-b.police.example")), "aud", json!("toex-hub-b"));
    assert!(verifier.verify(&sign(&pem_b, &good_header(&key_b.kid), &from_b), NOW).is_ok());
    // Issuer A's key cannot vouch for issuer B, nor can B's audience be used at A.
    let claims_b_signed_by_a = sign(&pem_a, &good_header(&key_a.kid), &from_b);
    assert_eq!(verifier.verify(&claims_b_signed_by_a, NOW), Err(TokenError::Claims(ClaimError::WrongIssuer)));
    let from_a_for_b_audience =
        with(with(good_payload(), "iss", json!("https://idp-a.police.example")), "aud", json!("toex-hub-b"));
    assert_eq!(
        verifier.verify(&sign(&pem_a, &good_header(&key_a.kid), &from_a_for_b_audience), NOW),
        Err(TokenError::Claims(ClaimError::WrongAudience))
    );
}

#[test]
fn es256_keys_from_pem_verify_and_stay_pinned() {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let secret = p256::SecretKey::from_slice(&[0x11; 32]).expect("p256 key");
    let private_pem = secret.to_pkcs8_pem(LineEnding::LF).expect("pem");
    let public_pem = secret.public_key().to_public_key_pem(LineEnding::LF).expect("pem");
    let public_path = dir.path().join("ec.pem");
    std::fs::write(&public_path, &public_pem).expect("write");
    let config = AuthConfig::single_issuer(
        DEV_ISSUER,
        DEV_AUDIENCE,
        vec![KeySourceConfig::Pem {
            kid: "ec-2026".to_owned(),
            algorithm: Algorithm::ES256,
            path: public_path.clone(),
        }],
    );
    let verifier = verifier_for(&config);
    let key = EncodingKey::from_ec_pem(private_pem.as_bytes()).expect("encoding key");
    let header = json!({"alg": "ES256", "typ": "at+jwt", "kid": "ec-2026"});
    let token = sign_text_with(&key, Algorithm::ES256, &header.to_string(), &good_payload().to_string());
    assert!(verifier.verify(&token, NOW).is_ok());
    let es384 = json!({"alg": "ES384", "typ": "at+jwt", "kid": "ec-2026"});
    let token = sign_text_with(&key, Algorithm::ES256, &es384.to_string(), &good_payload().to_string());
    assert_eq!(verifier.verify(&token, NOW), Err(TokenError::Jws(JwsError::AlgorithmNotAllowed)));
    // The same EC key configured as EdDSA does not load: algorithm bound to key type.
    let mismatched = AuthConfig::single_issuer(
        DEV_ISSUER,
        DEV_AUDIENCE,
        vec![KeySourceConfig::Pem { kid: "ec-2026".to_owned(), algorithm: Algorithm::EdDSA, path: public_path }],
    );
    assert!(matches!(
        TokenVerifier::from_config(&mismatched),
        Err(VerifierSetupError::Keys(KeyError::InvalidPem { .. }))
    ));
}

#[test]
fn symmetric_keys_are_refused_in_pem_and_jwks() {
    let fixture = fixture();
    let pem_hmac = AuthConfig::single_issuer(
        DEV_ISSUER,
        DEV_AUDIENCE,
        vec![KeySourceConfig::Pem {
            kid: "h".to_owned(),
            algorithm: Algorithm::HS256,
            path: fixture.files.public_key.clone(),
        }],
    );
    assert!(matches!(
        TokenVerifier::from_config(&pem_hmac),
        Err(VerifierSetupError::Keys(KeyError::SymmetricKey { kid })) if kid == "h"
    ));
    let jwks_path = fixture.dir.path().join("oct.json");
    std::fs::write(
        &jwks_path,
        json!({"keys": [{"kty": "oct", "kid": "shared", "k": "c2VjcmV0", "alg": "HS256"}]}).to_string(),
    )
    .expect("write");
    let jwks_hmac =
        AuthConfig::single_issuer(DEV_ISSUER, DEV_AUDIENCE, vec![KeySourceConfig::Jwks { path: jwks_path }]);
    assert!(matches!(
        TokenVerifier::from_config(&jwks_hmac),
        Err(VerifierSetupError::Keys(KeyError::SymmetricKey { kid })) if kid == "shared"
    ));
}

#[test]
fn jwk_declaring_another_algorithm_than_its_key_type_is_refused() {
    let fixture = fixture();
    let mut jwk = jwk_of(&fixture.files.jwks);
    jwk["alg"] = json!("ES256");
    let path = fixture.dir.path().join("mislabelled.json");
    std::fs::write(&path, json!({"keys": [jwk]}).to_string()).expect("write");
    let config = AuthConfig::single_issuer(DEV_ISSUER, DEV_AUDIENCE, vec![KeySourceConfig::Jwks { path }]);
    assert!(matches!(
        TokenVerifier::from_config(&config),
        Err(VerifierSetupError::Keys(KeyError::UnsupportedKey { .. }))
    ));
}

#[test]
fn insecure_configs_refuse_to_start() {
    let fixture = fixture();
    let good = toex_security::dev::dev_auth_config(&fixture.files);
    let mut no_issuers = good.clone();
    no_issuers.issuers.clear();
    let mut empty_audience = good.clone();
    empty_audience.issuers[0].audience = " ".to_owned();
    let mut empty_issuer = good.clone();
    empty_issuer.issuers[0].issuer = String::new();
    let mut no_keys = good.clone();
    no_keys.issuers[0].keys.clear();
    let mut wide_leeway = good.clone();
    wide_leeway.leeway_secs = 31;
    let mut eager_reload = good.clone();
    eager_reload.jwks_min_reload_interval_secs = 1;
    let mut duplicate = good.clone();
    duplicate.issuers.push(good.issuers[0].clone());
    let cases = [
        (no_issuers, ConfigError::NoIssuers),
        (empty_audience, ConfigError::EmptyAudience { index: 0 }),
        (empty_issuer, ConfigError::EmptyIssuer { index: 0 }),
        (no_keys, ConfigError::NoKeys { index: 0 }),
        (wide_leeway, ConfigError::LeewayTooLarge { found: 31, max: 30 }),
        (eager_reload, ConfigError::ReloadIntervalTooShort { found: 1, min: 10 }),
        (duplicate, ConfigError::DuplicateIssuer { index: 1 }),
    ];
    for (config, expected) in cases {
        assert_eq!(config.validate(), Err(expected.clone()));
        assert!(matches!(
            TokenVerifier::from_config(&config),
            Err(VerifierSetupError::Config(found)) if found == expected
        ));
    }
    assert!(good.validate().is_ok());
}

#[test]
fn config_deserialises_with_defaults_and_refuses_unknown_keys() {
    let text = json!({
        "issuers": [{
            "issuer": "https://idp.police.example",
            "audience": "toex-hub",
            "keys": [
                {"kind": "jwks", "path": "idp-jwks.json"},
                {"kind": "pem", "kid": "k1", "algorithm": "ES256", "path": "/etc/toex/k1.pem"}
            ]
        }]
    });
    let config: AuthConfig = serde_json::from_value(text.clone()).expect("config");
    assert_eq!(config.leeway_secs, 30);
    assert_eq!(config.jwks_min_reload_interval_secs, 60);
    let resolved = config.with_base_dir(std::path::Path::new("/etc/toex"));
    assert_eq!(resolved.issuers[0].keys[0], KeySourceConfig::Jwks { path: "/etc/toex/idp-jwks.json".into() });
    let mut unknown = text.clone();
    unknown["validate_signatures"] = json!(false);
    assert!(serde_json::from_value::<AuthConfig>(unknown).is_err());
    let mut unknown_in_key = text;
    unknown_in_key["issuers"][0]["keys"][0]["url"] = json!("https://idp/jwks");
    assert!(serde_json::from_value::<AuthConfig>(unknown_in_key).is_err());
}
