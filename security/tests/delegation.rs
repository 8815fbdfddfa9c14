//! Hub-to-node delegation tokens: valid, expired, not yet valid, wrong node, altered, wrong
//! query, replayed, foreign key, wrong type.

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use support::NOW;
use toex_security::delegation::{DELEGATION_LEEWAY_SECS, DELEGATION_LIFETIME_SECS, ReplayError, query_hash};
use toex_security::{
    Clearance, DelegationClaims, DelegationError, DelegationSigner, DelegationVerifier, JwsError, Purpose,
    PurposeError, Role, ValidityError, VerifiedClaims, dev,
};

const QUERY: &[u8] = b"SELECT record_id FROM persons WHERE surname = 'SMITH'";
const NODE: &str = "NWROCU";

struct Keys {
    _dir: tempfile::TempDir,
    signer: DelegationSigner,
    public_pem: String,
}

fn keys() -> Keys {
    let dir = tempfile::TempDir::new().expect("tempdir");
    let files = dev::generate_delegation_keys(dir.path()).expect("keys");
    let private_pem = std::fs::read_to_string(&files.signing_key).expect("read");
    let public_pem = std::fs::read_to_string(&files.public_key).expect("read");
    Keys { _dir: dir, signer: DelegationSigner::new(&private_pem).expect("signer"), public_pem }
}

fn principal() -> VerifiedClaims {
    VerifiedClaims {
        subject: "analyst.one".to_owned(),
        display_name: Some("Analyst One".to_owned()),
        home_region: Some("LONDON".to_owned()),
        roles: vec![Role::NationalAnalyst],
        clearance: Clearance::OfficialSensitive,
        issuer: "toex-dev-issuer".to_owned(),
        token_id: "access-jti".to_owned(),
        expires_at: DateTime::from_timestamp(NOW as i64 + 600, 0).expect("time"),
    }
}

fn purpose() -> Purpose {
    Purpose::parse("Tracing deal line linked to missing child", "OP-KESTREL-2026-014").expect("purpose")
}

fn claims_for(node: &str) -> DelegationClaims {
    DelegationClaims::for_query(&principal(), &purpose(), QUERY, node, "query-1", NOW)
}

fn verifier(keys: &Keys, node: &str) -> DelegationVerifier {
    DelegationVerifier::new(&keys.public_pem, node).expect("verifier")
}

#[test]
fn a_valid_token_yields_exactly_the_signed_claims() {
    let keys = keys();
    let claims = claims_for(NODE);
    assert_eq!(claims.expires_at, NOW + DELEGATION_LIFETIME_SECS);
    let token = keys.signer.sign(&claims).expect("sign");
    let verified = verifier(&keys, NODE).verify(&token, &query_hash(QUERY), NOW + 1);
    assert_eq!(verified, Ok(claims));
}

#[test]
fn expired_and_not_yet_valid_tokens_are_refused() {
    let keys = keys();
    let token = keys.signer.sign(&claims_for(NODE)).expect("sign");
    let node = verifier(&keys, NODE);
    let expiry = NOW + DELEGATION_LIFETIME_SECS;
    assert_eq!(
        node.verify(&token, &query_hash(QUERY), expiry + DELEGATION_LEEWAY_SECS),
        Err(DelegationError::Validity(ValidityError::Expired))
    );
    assert_eq!(
        node.verify(&token, &query_hash(QUERY), NOW - DELEGATION_LEEWAY_SECS - 1),
        Err(DelegationError::Validity(ValidityError::NotYetValid))
    );
    // Neither refusal consumed the token id.
    assert!(node.verify(&token, &query_hash(QUERY), expiry + DELEGATION_LEEWAY_SECS - 1).is_ok());
}

#[test]
fn a_token_for_another_node_is_refused() {
    let keys = keys();
    let token = keys.signer.sign(&claims_for("LONDON")).expect("sign");
    assert_eq!(
        verifier(&keys, NODE).verify(&token, &query_hash(QUERY), NOW),
        Err(DelegationError::WrongTargetNode { expected: NODE.to_owned() })
    );
}

#[test]
fn an_altered_payload_fails_the_signature() {
    let keys = keys();
    let token = keys.signer.sign(&claims_for(NODE)).expect("sign");
    let parts: Vec<&str> = token.split('.').collect();
    let payload = URL_SAFE_NO_PAD.decode(parts[1]).expect("payload");
    let text = String::from_utf8(payload).expect("utf8");
    let escalated = text.replace("OFFICIAL-SENSITIVE", "SECRET");
    assert_ne!(text, escalated);
    let altered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(escalated), parts[2]);
    assert_eq!(
        verifier(&keys, NODE).verify(&altered, &query_hash(QUERY), NOW),
        Err(DelegationError::Jws(JwsError::BadSignature))
    );
}

#[test]
fn a_token_for_other_query_bytes_is_refused() {
    let keys = keys();
    let token = keys.signer.sign(&claims_for(NODE)).expect("sign");
    let node = verifier(&keys, NODE);
    let other_query = b"SELECT * FROM persons";
    assert_eq!(node.verify(&token, &query_hash(other_query), NOW), Err(DelegationError::QueryHashMismatch));
    assert!(node.verify(&token, &query_hash(QUERY), NOW).is_ok());
}

#[test]
fn a_replayed_token_is_refused() {
    let keys = keys();
    let token = keys.signer.sign(&claims_for(NODE)).expect("sign");
    let node = verifier(&keys, NODE);
    assert!(node.verify(&token, &query_hash(QUERY), NOW).is_ok());
    assert_eq!(node.verify(&token, &query_hash(QUERY), NOW + 2), Err(DelegationError::Replay(ReplayError::Replayed)));
}

#[test]
fn a_full_replay_cache_fails_closed() {
    let keys = keys();
    let node = verifier(&keys, NODE).with_replay_capacity(1);
    let first = keys.signer.sign(&claims_for(NODE)).expect("sign");
    let second = keys.signer.sign(&claims_for(NODE)).expect("sign");
    assert!(node.verify(&first, &query_hash(QUERY), NOW).is_ok());
    assert_eq!(
        node.verify(&second, &query_hash(QUERY), NOW),
        Err(DelegationError::Replay(ReplayError::Full { capacity: 1 }))
    );
}

#[test]
fn a_token_signed_by_another_key_is_refused() {
    let hub = keys();
    let impostor = keys();
    let token = impostor.signer.sign(&claims_for(NODE)).expect("sign");
    assert_eq!(
        verifier(&hub, NODE).verify(&token, &query_hash(QUERY), NOW),
        Err(DelegationError::Jws(JwsError::BadSignature))
    );
}

#[test]
fn an_access_token_is_not_a_delegation_token() {
    let keys = keys();
    let dir = tempfile::TempDir::new().expect("tempdir");
    let issuer_files = dev::generate_issuer_keys(dir.path()).expect("issuer");
    let dev_key = dev::DevSigningKey::from_file(&issuer_files.signing_key).expect("key");
    let request = dev::DevTokenRequest {
        subject: "analyst.one".to_owned(),
        name: None,
        home_region: Some(NODE.to_owned()),
        roles: vec!["national_analyst".to_owned()],
        clearance: Some("SECRET".to_owned()),
        issuer: dev::DEV_ISSUER.to_owned(),
        audience: NODE.to_owned(),
        lifetime: std::time::Duration::from_secs(60),
    };
    let access_token = dev::mint_token_at(&dev_key, &request, NOW).expect("mint");
    assert_eq!(
        verifier(&keys, NODE).verify(&access_token, &query_hash(QUERY), NOW),
        Err(DelegationError::Jws(JwsError::WrongTokenType))
    );
}

#[test]
fn the_signer_refuses_long_lived_or_foreign_claims() {
    let keys = keys();
    let mut long_lived = claims_for(NODE);
    long_lived.expires_at = NOW + DELEGATION_LIFETIME_SECS + 1;
    assert_eq!(keys.signer.sign(&long_lived), Err(DelegationError::LifetimeTooLong { max: DELEGATION_LIFETIME_SECS }));
    let mut foreign = claims_for(NODE);
    foreign.issuer = "someone-else".to_owned();
    assert_eq!(keys.signer.sign(&foreign), Err(DelegationError::Signing));
}

#[test]
fn an_invalid_purpose_inside_a_signed_token_is_refused() {
    let keys = keys();
    let mut claims = claims_for(NODE);
    claims.purpose = Purpose { justification: "because".to_owned(), case_reference: "OP-1".to_owned() };
    let token = keys.signer.sign(&claims).expect("sign");
    assert_eq!(
        verifier(&keys, NODE).verify(&token, &query_hash(QUERY), NOW),
        Err(DelegationError::Purpose(PurposeError::JustificationTooShort { actual: 7, min: 20 }))
    );
}

#[test]
fn setup_refuses_bad_keys_and_empty_region() {
    let keys = keys();
    assert_eq!(DelegationVerifier::new(&keys.public_pem, " ").map(|_| ()), Err(DelegationError::EmptyNodeRegion));
    assert_eq!(
        DelegationVerifier::new("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", NODE).map(|_| ()),
        Err(DelegationError::VerificationKey)
    );
    assert!(matches!(DelegationSigner::new(&keys.public_pem), Err(DelegationError::SigningKey(_))));
}

#[test]
fn debug_output_holds_no_key_or_token() {
    let keys = keys();
    let token = keys.signer.sign(&claims_for(NODE)).expect("sign");
    let node = verifier(&keys, NODE);
    let error = node.verify(&token, "0000", NOW).expect_err("hash mismatch");
    for rendered in [format!("{:?}", keys.signer), format!("{error:?}"), error.to_string()] {
        assert!(!rendered.contains(&token));
        assert!(!rendered.contains("PRIVATE KEY"));
    }
    assert_eq!(query_hash(b"abc").len(), 64);
}
