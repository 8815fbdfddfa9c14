//! Access-token verification against threat catalogue section A, items 1-17 (14 and 16 in part:
//! the HTTP/2 header-list limit belongs to the server, the bearer scheme to `tests/layer.rs`).

mod support;

use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;
use support::*;
use toex_security::dev::{DEV_AUDIENCE, DEV_ISSUER};
use toex_security::{ClaimError, Clearance, JwsError, MalformedToken, Role, Segment, TokenError, ValidityError};

#[test]
fn a_well_formed_token_yields_its_claims() {
    let fixture = fixture();
    let token = sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &good_payload());
    let claims = fixture.verifier.verify(&token, NOW).expect("valid token");
    assert_eq!(claims.subject, "analyst.one");
    assert_eq!(claims.display_name.as_deref(), Some("Analyst One"));
    assert_eq!(claims.home_region.as_deref(), Some("NWROCU"));
    assert_eq!(claims.roles, vec![Role::RegionalAnalyst]);
    assert_eq!(claims.clearance, Clearance::OfficialSensitive);
    assert_eq!(claims.issuer, DEV_ISSUER);
    assert_eq!(claims.token_id, "8d7f0c1e-token-id");
    assert_eq!(claims.expires_at.timestamp(), (NOW + 300) as i64);
    assert!(claims.has_data_rights());
}

#[test]
fn item_01_alg_none_is_refused() {
    let fixture = fixture();
    for alg in ["none", "None", "NONE"] {
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": fixture.files.kid});
        let token = format!(
            "{}.{}.",
            encode_segment(header.to_string().as_bytes()),
            encode_segment(good_payload().to_string().as_bytes())
        );
        assert_eq!(fixture.verifier.verify(&token, NOW), Err(TokenError::Jws(JwsError::AlgorithmNone)), "alg {alg}");
    }
}

#[test]
fn item_02_hs256_keyed_with_the_public_key_is_refused() {
    let fixture = fixture();
    let public_pem = std::fs::read(&fixture.files.public_key).expect("public key");
    let jwks = std::fs::read(&fixture.files.jwks).expect("jwks");
    for secret in [public_pem, jwks] {
        let key = EncodingKey::from_secret(&secret);
        let header = json!({"alg": "HS256", "typ": "at+jwt", "kid": fixture.files.kid});
        let token = sign_text_with(&key, Algorithm::HS256, &header.to_string(), &good_payload().to_string());
        assert_eq!(fixture.verifier.verify(&token, NOW), Err(TokenError::Jws(JwsError::AlgorithmNotAllowed)));
    }
}

#[test]
fn item_03_algorithm_not_pinned_for_the_key_is_refused() {
    let fixture = fixture();
    for alg in ["RS256", "ES256", "PS256", "HS512", "XYZ"] {
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": fixture.files.kid});
        // Signed with the real key, only the header's claim about the algorithm differs.
        let token = sign(&fixture.signing_pem, &header, &good_payload());
        assert_eq!(
            fixture.verifier.verify(&token, NOW),
            Err(TokenError::Jws(JwsError::AlgorithmNotAllowed)),
            "alg {alg}"
        );
    }
    let no_alg = json!({"typ": "at+jwt", "kid": fixture.files.kid});
    let token = sign(&fixture.signing_pem, &no_alg, &good_payload());
    assert_eq!(fixture.verifier.verify(&token, NOW), Err(TokenError::Jws(JwsError::AlgorithmNotAllowed)));
}

#[test]
fn item_04_expiry_boundary_is_pinned_at_the_leeway() {
    let fixture = fixture();
    let header = good_header(&fixture.files.kid);
    let leeway = 30;
    let last_accepted = with(good_payload(), "exp", json!(NOW - leeway + 1));
    let last_accepted = with(last_accepted, "nbf", json!(NOW - 600));
    let first_refused = with(last_accepted.clone(), "exp", json!(NOW - leeway));
    assert!(fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &last_accepted), NOW).is_ok());
    assert_eq!(
        fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &first_refused), NOW),
        Err(TokenError::Validity(ValidityError::Expired))
    );
}

#[test]
fn item_05_nbf_in_the_future_is_refused() {
    let fixture = fixture();
    let header = good_header(&fixture.files.kid);
    let at_leeway = with(good_payload(), "nbf", json!(NOW + 30));
    let beyond = with(good_payload(), "nbf", json!(NOW + 31));
    assert!(fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &at_leeway), NOW).is_ok());
    assert_eq!(
        fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &beyond), NOW),
        Err(TokenError::Validity(ValidityError::NotYetValid))
    );
}

#[test]
fn item_06_string_typed_time_claims_are_refused() {
    let fixture = fixture();
    let header = good_header(&fixture.files.kid);
    let cases = [
        (with(good_payload(), "exp", json!("never")), "exp"),
        (with(good_payload(), "exp", json!("1800000300")), "exp"),
        (with(good_payload(), "nbf", json!("99999999999")), "nbf"),
        (with(good_payload(), "iat", json!(null)), "iat"),
        (with(good_payload(), "exp", json!(1.8e9)), "exp"),
    ];
    for (payload, claim) in cases {
        assert_eq!(
            fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &payload), NOW),
            Err(TokenError::Validity(ValidityError::NotNumericDate(claim))),
            "claim {claim}"
        );
    }
}

#[test]
fn item_07_each_required_claim_is_required() {
    let fixture = fixture();
    let header = good_header(&fixture.files.kid);
    for claim in ["exp", "iss", "aud", "sub", "jti"] {
        let payload = without(good_payload(), claim);
        assert_eq!(
            fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &payload), NOW),
            Err(TokenError::Claims(ClaimError::Missing(claim))),
            "claim {claim}"
        );
    }
    let empty_subject = with(good_payload(), "sub", json!("  "));
    assert_eq!(
        fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &empty_subject), NOW),
        Err(TokenError::Claims(ClaimError::Invalid("sub")))
    );
}

#[test]
fn item_08_wrong_or_multiple_audiences_are_refused() {
    let fixture = fixture();
    let header = good_header(&fixture.files.kid);
    let cases = [
        (json!("another-police-app"), Err(ClaimError::WrongAudience)),
        (json!("toex-node-NWROCU"), Err(ClaimError::WrongAudience)),
        (json!(["another-police-app"]), Err(ClaimError::WrongAudience)),
        (json!([]), Err(ClaimError::WrongAudience)),
        (json!([DEV_AUDIENCE, "another-app"]), Err(ClaimError::MultipleAudiences)),
        (json!(42), Err(ClaimError::Invalid("aud"))),
        (json!([DEV_AUDIENCE]), Ok(())),
    ];
    for (audience, expected) in cases {
        let payload = with(good_payload(), "aud", audience.clone());
        let outcome = fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &payload), NOW).map(|_| ());
        assert_eq!(outcome, expected.map_err(TokenError::Claims), "aud {audience}");
    }
}

#[test]
fn item_09_wrong_issuer_is_refused() {
    let fixture = fixture();
    let header = good_header(&fixture.files.kid);
    for issuer in [json!("toex-test-issuer"), json!(""), json!(["toex-dev-issuer"])] {
        let payload = with(good_payload(), "iss", issuer.clone());
        let outcome = fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &payload), NOW);
        let expected =
            if issuer == json!("toex-test-issuer") { ClaimError::WrongIssuer } else { ClaimError::Invalid("iss") };
        assert_eq!(outcome, Err(TokenError::Claims(expected)), "iss {issuer}");
    }
}

#[test]
fn item_10_wrong_token_type_is_refused() {
    let fixture = fixture();
    for typ in [json!("JWT"), json!("id_token+jwt"), json!(null), json!(1)] {
        let header = json!({"alg": "EdDSA", "typ": typ, "kid": fixture.files.kid});
        assert_eq!(
            fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &good_payload()), NOW),
            Err(TokenError::Jws(JwsError::WrongTokenType)),
            "typ {typ}"
        );
    }
    let media_type = json!({"alg": "EdDSA", "typ": "application/AT+JWT", "kid": fixture.files.kid});
    assert!(fixture.verifier.verify(&sign(&fixture.signing_pem, &media_type, &good_payload()), NOW).is_ok());
    let critical = json!({"alg": "EdDSA", "typ": "at+jwt", "kid": fixture.files.kid, "crit": ["exp"]});
    assert_eq!(
        fixture.verifier.verify(&sign(&fixture.signing_pem, &critical, &good_payload()), NOW),
        Err(TokenError::Jws(JwsError::CriticalHeader))
    );
}

#[test]
fn item_11_unknown_kid_flood_causes_at_most_one_reload_per_interval() {
    let fixture = fixture();
    let header = good_header("kid-nobody-knows");
    let token = sign(&fixture.signing_pem, &header, &good_payload());
    for _ in 0..1000 {
        assert_eq!(fixture.verifier.verify(&token, NOW), Err(TokenError::UnknownKeyId));
    }
    assert_eq!(fixture.verifier.reload_count(), 1);
    let no_kid = json!({"alg": "EdDSA", "typ": "at+jwt"});
    assert_eq!(
        fixture.verifier.verify(&sign(&fixture.signing_pem, &no_kid, &good_payload()), NOW),
        Err(TokenError::MissingKeyId)
    );
}

#[test]
fn item_12_hostile_kid_and_jku_x5u_headers_are_ignored() {
    let fixture = fixture();
    for kid in ["../../../../etc/passwd", "1' OR '1'='1", "file:///dev/zero", ""] {
        let header = json!({"alg": "EdDSA", "typ": "at+jwt", "kid": kid});
        assert_eq!(
            fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &good_payload()), NOW),
            Err(TokenError::UnknownKeyId),
            "kid {kid}"
        );
    }
    // An attacker's key, advertised through jku/x5u/jwk, reusing our kid: never fetched, never
    // trusted, so the signature fails against our key.
    let attacker_dir = tempfile::TempDir::new().expect("tempdir");
    let (_, attacker_pem) = issuer_in(attacker_dir.path());
    let hostile = json!({
        "alg": "EdDSA", "typ": "at+jwt", "kid": fixture.files.kid,
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
    });
    assert_eq!(
        fixture.verifier.verify(&sign(&attacker_pem, &hostile, &good_payload()), NOW),
        Err(TokenError::Jws(JwsError::BadSignature))
    );
    // The same headers on a token our issuer really signed change nothing.
    assert!(fixture.verifier.verify(&sign(&fixture.signing_pem, &hostile, &good_payload()), NOW).is_ok());
}

#[test]
fn item_14_oversized_tokens_are_refused_before_parsing() {
    let fixture = fixture();
    let oversized = "A".repeat(8 * 1024 + 1);
    assert_eq!(
        fixture.verifier.verify(&oversized, NOW),
        Err(TokenError::Malformed(MalformedToken::TooLarge { limit: 8192 }))
    );
    let padding = "x".repeat(9000);
    let big_payload = with(good_payload(), "padding", json!(padding));
    assert_eq!(
        fixture.verifier.verify(&sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &big_payload), NOW),
        Err(TokenError::Malformed(MalformedToken::TooLarge { limit: 8192 }))
    );
}

#[test]
fn item_15_malformed_tokens_are_refused_without_panics() {
    let fixture = fixture();
    let header = good_header(&fixture.files.kid).to_string();
    let payload = good_payload().to_string();
    let valid = sign_text(&fixture.signing_pem, &header, &payload);
    let segments: Vec<&str> = valid.split('.').collect();
    let (h, p, s) = (segments[0], segments[1], segments[2]);
    let cases: Vec<(String, MalformedToken)> = vec![
        (String::new(), MalformedToken::Empty),
        ("abc".to_owned(), MalformedToken::SegmentCount),
        (format!("{h}.{p}"), MalformedToken::SegmentCount),
        (format!("{h}.{p}.{s}.{s}"), MalformedToken::SegmentCount),
        (format!("{h}=.{p}.{s}"), MalformedToken::Base64(Segment::Header)),
        (format!("{h}.{p}+/.{s}"), MalformedToken::Base64(Segment::Payload)),
        (format!("{h}.{p}.{s}!"), MalformedToken::Base64(Segment::Signature)),
        (format!("{h}.{}.{s}", encode_segment(&[0xff, 0xfe, 0x7b])), MalformedToken::NotUtf8(Segment::Payload)),
        (format!("{}.{p}.{s}", encode_segment(b"[1,2]")), MalformedToken::NotJsonObject(Segment::Header)),
        (format!("{h}.{}.{s}", encode_segment(b"{\"sub\":")), MalformedToken::NotJsonObject(Segment::Payload)),
    ];
    for (token, expected) in cases {
        assert_eq!(fixture.verifier.verify(&token, NOW), Err(TokenError::Malformed(expected)), "expected {expected:?}");
    }
    // Duplicate keys, correctly signed: refused even though the signature is genuine.
    let duplicate = payload.replacen("\"sub\":\"analyst.one\"", "\"sub\":\"analyst.one\",\"sub\":\"admin\"", 1);
    assert_ne!(duplicate, payload);
    assert_eq!(
        fixture.verifier.verify(&sign_text(&fixture.signing_pem, &header, &duplicate), NOW),
        Err(TokenError::Malformed(MalformedToken::NotJsonObject(Segment::Payload)))
    );
    // A tampered payload fails the signature.
    let tampered = format!("{h}.{}.{s}", encode_segment(payload.replace("OFFICIAL-SENSITIVE", "SECRET").as_bytes()));
    assert_eq!(fixture.verifier.verify(&tampered, NOW), Err(TokenError::Jws(JwsError::BadSignature)));
}

#[test]
fn item_15_fuzzed_inputs_never_panic_or_verify() {
    let fixture = fixture();
    let valid = sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &good_payload());
    let alphabet: Vec<char> = "ABCxyz019-_.=+/ {}\"".chars().collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..3000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut token: Vec<char> = valid.chars().collect();
        let position = (state as usize) % token.len();
        let replacement = alphabet[(state >> 32) as usize % alphabet.len()];
        if token[position] == replacement {
            continue;
        }
        token[position] = replacement;
        if round % 3 == 0 {
            token.truncate(position.max(1));
        }
        let mutated: String = token.into_iter().collect();
        assert!(fixture.verifier.verify(&mutated, NOW).is_err(), "mutated token verified");
    }
}

#[test]
fn item_17_missing_or_unknown_roles_and_clearance_authenticate_without_rights() {
    let fixture = fixture();
    let header = good_header(&fixture.files.kid);
    let bare = without(without(good_payload(), "roles"), "clearance");
    let claims = fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &bare), NOW).expect("authenticated");
    assert_eq!(claims.roles, Vec::<Role>::new());
    assert_eq!(claims.clearance, Clearance::Uncleared);
    assert!(!claims.has_data_rights());

    let unknown = with(with(good_payload(), "roles", json!(["superuser", "root"])), "clearance", json!("TOP SECRET"));
    let claims = fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &unknown), NOW).expect("authenticated");
    assert_eq!(claims.roles, Vec::<Role>::new());
    assert_eq!(claims.clearance, Clearance::Uncleared);
    assert!(!claims.has_data_rights());

    let wrong_type = with(good_payload(), "roles", json!("national_analyst"));
    assert_eq!(
        fixture.verifier.verify(&sign(&fixture.signing_pem, &header, &wrong_type), NOW),
        Err(TokenError::Claims(ClaimError::Invalid("roles")))
    );
}

#[test]
fn clearance_orders_and_permits_markings() {
    assert!(Clearance::Uncleared < Clearance::Official);
    assert!(Clearance::Official < Clearance::OfficialSensitive);
    assert!(Clearance::OfficialSensitive < Clearance::Secret);
    assert!(Clearance::OfficialSensitive.permits("OFFICIAL"));
    assert!(Clearance::OfficialSensitive.permits("OFFICIAL-SENSITIVE"));
    assert!(!Clearance::OfficialSensitive.permits("SECRET"));
    assert!(!Clearance::Secret.permits("TOP SECRET"));
    assert!(!Clearance::Uncleared.permits("OFFICIAL"));
}

#[test]
fn debug_of_claims_and_errors_never_contains_the_token() {
    let fixture = fixture();
    let token = sign(&fixture.signing_pem, &good_header(&fixture.files.kid), &good_payload());
    let claims = fixture.verifier.verify(&token, NOW).expect("valid");
    let signature = token.rsplit('.').next().expect("signature");
    let mut rendered = vec![format!("{claims:?}"), format!("{:?}", fixture.verifier)];
    let bad_tokens = [format!("{token}x"), token.replacen('.', "..", 1), format!("{token}.{signature}"), token.clone()];
    for bad in &bad_tokens {
        if let Err(error) = fixture.verifier.verify(bad, NOW + 10_000) {
            rendered.push(format!("{error:?}"));
            rendered.push(error.to_string());
        }
    }
    assert!(rendered.len() >= 6);
    for text in rendered {
        assert!(!text.contains(&token), "token leaked into {text}");
        assert!(!text.contains(signature), "signature leaked into {text}");
        assert!(!text.contains(&fixture.signing_pem), "key leaked");
    }
}
