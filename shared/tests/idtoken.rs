//! id_token validation against real signatures (RustCrypto keys generated per run), one test
//! per OpenID RP conformance case and JWT attack class.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use kith_claims::b64;
use kith_claims::id_token::{
    self, BoolClaim, Expectations, IdTokenClaims, IssuerRule, NonceCheck, TypRule,
};
use kith_claims::jose::{Alg, JwkSet, RustCryptoVerifier};
use kith_claims::{ErrorCode, Verified};
use serde_json::json;

fn expect() -> Expectations {
    Expectations {
        issuer: IssuerRule::Exact(vec![ISS.into()]),
        client_ids: vec![CLIENT.into()],
        algorithms: vec![Alg::Rs256, Alg::Es256],
        nonce: NonceCheck::Exact("n-123".into()),
        leeway_secs: 60,
        max_age_secs: 600,
        typ: TypRule::JwtOrAbsent,
        hosted_domain: None,
    }
}

fn check(token: &str, e: &Expectations) -> Result<Verified<IdTokenClaims>, ErrorCode> {
    futures_executor::block_on(id_token::validate(
        token,
        &jwks(),
        e,
        NOW,
        &RustCryptoVerifier,
    ))
    .map_err(|e| e.code())
}

#[test]
fn accepts_valid_es256_and_rs256_tokens() {
    for t in [es256(&claims()), rs256(&claims())] {
        let v = check(&t, &expect()).expect("valid");
        assert_eq!(v.sub, "user-1");
        assert_eq!(v.email_verified, Some(BoolClaim::Bool(true)));
    }
}

#[test]
fn rejects_id_token_with_invalid_signature_rs256_and_es256() {
    for t in [es256(&claims()), rs256(&claims())] {
        let mut sig = b64::decode(t.rsplit('.').next().unwrap()).unwrap();
        sig[10] ^= 1;
        let head = t.rsplit_once('.').unwrap().0;
        assert_eq!(
            check(&format!("{head}.{}", b64::encode(sig)), &expect()).unwrap_err(),
            ErrorCode::InvalidSignature
        );
    }
}

#[test]
fn flipping_any_byte_of_a_valid_token_makes_it_fail() {
    let t = es256(&claims());
    let bytes = t.as_bytes();
    for i in 0..bytes.len() {
        let mut changed = bytes.to_vec();
        changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
        if changed == bytes {
            continue;
        }
        let text = String::from_utf8(changed).unwrap();
        assert!(
            check(&text, &expect()).is_err(),
            "byte {i} changed and still accepted"
        );
    }
}

#[test]
fn rejects_payload_swapped_under_a_valid_signature() {
    let t = es256(&claims());
    let other = es256(&with(claims(), "sub", json!("attacker")));
    let parts: Vec<&str> = t.split('.').collect();
    let other_parts: Vec<&str> = other.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    assert_eq!(
        check(&forged, &expect()).unwrap_err(),
        ErrorCode::InvalidSignature
    );
}

#[test]
fn rejects_id_token_when_issuer_differs() {
    let t = es256(&with(claims(), "iss", json!("https://op.example/")));
    assert_eq!(check(&t, &expect()).unwrap_err(), ErrorCode::IssuerMismatch);
}

#[test]
fn rejects_id_token_for_another_audience() {
    let t = es256(&with(claims(), "aud", json!("someone-else")));
    assert_eq!(
        check(&t, &expect()).unwrap_err(),
        ErrorCode::AudienceMismatch
    );
}

#[test]
fn rejects_aud_array_with_an_untrusted_member() {
    let c = with(
        with(claims(), "aud", json!([CLIENT, "evil"])),
        "azp",
        json!(CLIENT),
    );
    assert_eq!(
        check(&es256(&c), &expect()).unwrap_err(),
        ErrorCode::AudienceMismatch
    );
}

#[test]
fn rejects_foreign_azp_and_multiple_audiences_without_azp() {
    let foreign = with(claims(), "azp", json!("evil"));
    assert_eq!(
        check(&es256(&foreign), &expect()).unwrap_err(),
        ErrorCode::AuthorizedPartyMismatch
    );
    let mut e = expect();
    e.client_ids.push("ios-app".into());
    let multi = with(claims(), "aud", json!([CLIENT, "ios-app"]));
    assert_eq!(
        check(&es256(&multi), &e).unwrap_err(),
        ErrorCode::AuthorizedPartyMismatch
    );
    let multi_azp = with(multi, "azp", json!(CLIENT));
    assert!(check(&es256(&multi_azp), &e).is_ok());
}

#[test]
fn rejects_expired_tokens_beyond_the_leeway_only() {
    let just = with(claims(), "exp", json!(NOW - 59));
    assert!(check(&es256(&just), &expect()).is_ok());
    let late = with(claims(), "exp", json!(NOW - 60));
    assert_eq!(
        check(&es256(&late), &expect()).unwrap_err(),
        ErrorCode::Expired
    );
}

#[test]
fn rejects_tokens_not_yet_valid_or_issued_in_the_future_or_too_old() {
    let nbf = with(claims(), "nbf", json!(NOW + 61));
    assert_eq!(
        check(&es256(&nbf), &expect()).unwrap_err(),
        ErrorCode::NotYetValid
    );
    let future = with(claims(), "iat", json!(NOW + 61));
    assert_eq!(
        check(&es256(&future), &expect()).unwrap_err(),
        ErrorCode::IssuedAtInvalid
    );
    let old = with(claims(), "iat", json!(NOW - 601));
    assert_eq!(
        check(&es256(&old), &expect()).unwrap_err(),
        ErrorCode::IssuedAtInvalid
    );
}

#[test]
fn rejects_tokens_missing_iat_aud_or_sub() {
    for claim in ["iat", "aud", "sub", "exp", "iss"] {
        let t = es256(&without(claims(), claim));
        assert_eq!(
            check(&t, &expect()).unwrap_err(),
            ErrorCode::MalformedClaims,
            "{claim}"
        );
    }
}

#[test]
fn rejects_id_token_when_nonce_differs_or_is_missing() {
    let other = with(claims(), "nonce", json!("n-124"));
    assert_eq!(
        check(&es256(&other), &expect()).unwrap_err(),
        ErrorCode::NonceMismatch
    );
    let missing = without(claims(), "nonce");
    assert_eq!(
        check(&es256(&missing), &expect()).unwrap_err(),
        ErrorCode::NonceMismatch
    );
}

#[test]
fn expect_none_refuses_a_token_that_carries_a_nonce() {
    let mut e = expect();
    e.nonce = NonceCheck::ExpectNone;
    assert_eq!(
        check(&es256(&claims()), &e).unwrap_err(),
        ErrorCode::NonceMismatch
    );
    assert!(check(&es256(&without(claims(), "nonce")), &e).is_ok());
}

#[test]
fn hashed_nonce_profile_compares_sha256_hex_of_the_raw_nonce() {
    let mut e = expect();
    e.nonce = NonceCheck::Sha256Hex("raw".into());
    let hashed = with(
        claims(),
        "nonce",
        json!(kith_claims::hex::sha256_hex("raw")),
    );
    assert!(check(&es256(&hashed), &e).is_ok());
    let raw = with(claims(), "nonce", json!("raw"));
    assert_eq!(
        check(&es256(&raw), &e).unwrap_err(),
        ErrorCode::NonceMismatch
    );
}

#[test]
fn rejects_alg_confusion_hs256_keyed_with_the_rsa_public_key() {
    let header = json!({"alg":"HS256","kid":"rsa1"});
    let input = format!(
        "{}.{}",
        b64::encode(header.to_string()),
        b64::encode(claims().to_string())
    );
    let t = format!("{input}.{}", b64::encode([0u8; 32]));
    assert_eq!(check(&t, &expect()).unwrap_err(), ErrorCode::AlgNotAllowed);
}

#[test]
fn rejects_alg_not_in_the_profile_even_with_a_valid_signature() {
    let mut e = expect();
    e.algorithms = vec![Alg::Rs256];
    assert_eq!(
        check(&es256(&claims()), &e).unwrap_err(),
        ErrorCode::AlgNotAllowed
    );
}

#[test]
fn rejects_ecdsa_signatures_with_zero_r_or_s() {
    let t = es256(&claims());
    let head = t.rsplit_once('.').unwrap().0;
    for sig in [
        [0u8; 64].to_vec(),
        [[0u8; 32], [1u8; 32]].concat(),
        [[1u8; 32], [0u8; 32]].concat(),
    ] {
        assert_eq!(
            check(&format!("{head}.{}", b64::encode(sig)), &expect()).unwrap_err(),
            ErrorCode::InvalidSignature
        );
    }
}

#[test]
fn rejects_unknown_kid_so_the_caller_can_refetch() {
    let t = sign(
        Alg::Es256,
        json!({"alg":"ES256","kid":"rotated"}),
        &claims(),
    );
    assert_eq!(check(&t, &expect()).unwrap_err(), ErrorCode::NoMatchingKey);
}

#[test]
fn reads_apple_style_string_booleans_as_written_and_refuses_other_strings() {
    let t = es256(&with(claims(), "email_verified", json!("false")));
    assert_eq!(
        check(&t, &expect()).unwrap().email_verified,
        Some(BoolClaim::Text(false))
    );
    let bad = es256(&with(claims(), "email_verified", json!("yes")));
    assert_eq!(
        check(&bad, &expect()).unwrap_err(),
        ErrorCode::MalformedClaims
    );
}

#[test]
fn rejects_tokens_typed_for_another_purpose() {
    for typ in ["at+jwt", "logout+jwt", "JOSE"] {
        let t = sign(
            Alg::Es256,
            json!({"alg":"ES256","kid":"ec1","typ":typ}),
            &claims(),
        );
        assert_eq!(
            check(&t, &expect()).unwrap_err(),
            ErrorCode::TypeMismatch,
            "{typ}"
        );
    }
    let t = sign(
        Alg::Es256,
        json!({"alg":"ES256","kid":"ec1","typ":"application/jwt"}),
        &claims(),
    );
    assert!(check(&t, &expect()).is_ok());
    let mut e = expect();
    e.typ = TypRule::Unchecked;
    let t = sign(
        Alg::Es256,
        json!({"alg":"ES256","kid":"ec1","typ":"at+jwt"}),
        &claims(),
    );
    assert!(check(&t, &e).is_ok());
}

#[test]
fn rejects_signed_claims_with_duplicate_members() {
    // A signature over ambiguous JSON proves nothing about which "sub" was meant.
    let payload = format!(
        r#"{{"iss":"{ISS}","sub":"user-1","sub":"admin","aud":"{CLIENT}","exp":{},"iat":{},"nonce":"n-123"}}"#,
        NOW + 300,
        NOW
    );
    let header = json!({"alg":"ES256","kid":"ec1"}).to_string();
    let input = format!("{}.{}", b64::encode(header), b64::encode(&payload));
    use p256::ecdsa::signature::Signer;
    let sig: p256::ecdsa::Signature = keys().ec.sign(input.as_bytes());
    let t = format!("{input}.{}", b64::encode(sig.to_bytes()));
    assert_eq!(
        check(&t, &expect()).unwrap_err(),
        ErrorCode::MalformedClaims
    );
}

#[test]
fn rejects_deeply_nested_claims() {
    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!([deep]);
    }
    let t = es256(&with(claims(), "x", deep));
    assert_eq!(
        check(&t, &expect()).unwrap_err(),
        ErrorCode::MalformedClaims
    );
}

#[test]
fn rejects_oversize_tokens_before_any_crypto() {
    let t = es256(&with(claims(), "pad", json!("a".repeat(20_000))));
    assert_eq!(check(&t, &expect()).unwrap_err(), ErrorCode::MalformedJws);
}

#[test]
fn kid_absent_verifies_with_the_single_matching_key() {
    // jwks() holds one EC and one RSA key: each algorithm has exactly one candidate.
    let t = sign(Alg::Es256, json!({"alg":"ES256"}), &claims());
    assert!(check(&t, &expect()).is_ok());
}

#[test]
fn kid_absent_with_several_matching_keys_is_refused() {
    let mut doc: serde_json::Value = serde_json::from_str(&jwks_json()).unwrap();
    let mut second = doc["keys"][0].clone();
    second["kid"] = json!("ec2");
    doc["keys"].as_array_mut().unwrap().push(second);
    let set = JwkSet::parse(doc.to_string().as_bytes()).unwrap();
    let t = sign(Alg::Es256, json!({"alg":"ES256"}), &claims());
    let err = futures_executor::block_on(id_token::validate(
        &t,
        &set,
        &expect(),
        NOW,
        &RustCryptoVerifier,
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AmbiguousKey);
}

#[test]
fn key_rotation_needs_a_refetch_and_then_verifies() {
    let t = sign(
        Alg::Es256,
        json!({"alg":"ES256","kid":"rotated"}),
        &claims(),
    );
    let old = jwks();
    let err = futures_executor::block_on(id_token::validate(
        &t,
        &old,
        &expect(),
        NOW,
        &RustCryptoVerifier,
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoMatchingKey);
    assert!(!old.has_kid("rotated"));
    // The "refetched" set publishes the same key under its new kid.
    let refetched =
        JwkSet::parse(jwks_json().replace("\"ec1\"", "\"rotated\"").as_bytes()).unwrap();
    assert!(futures_executor::block_on(id_token::validate(
        &t,
        &refetched,
        &expect(),
        NOW,
        &RustCryptoVerifier
    ))
    .is_ok());
}

#[test]
fn rejects_header_embedded_keys_even_when_the_signature_matches_them() {
    for param in ["jwk", "jku", "x5u", "x5c"] {
        let t = sign(
            Alg::Es256,
            json!({"alg":"ES256","kid":"ec1", param: "x"}),
            &claims(),
        );
        assert_eq!(
            check(&t, &expect()).unwrap_err(),
            ErrorCode::ForbiddenHeader,
            "{param}"
        );
    }
    let t = sign(
        Alg::Es256,
        json!({"alg":"ES256","kid":"ec1","crit":["exp"]}),
        &claims(),
    );
    assert_eq!(
        check(&t, &expect()).unwrap_err(),
        ErrorCode::ForbiddenHeader
    );
    let t = sign(
        Alg::Es256,
        json!({"alg":"ES256","kid":"ec1","b64":false}),
        &claims(),
    );
    assert_eq!(
        check(&t, &expect()).unwrap_err(),
        ErrorCode::ForbiddenHeader
    );
}

/// kith-claims does **not** refuse high-S ES256 signatures (neither does WebCrypto): JOSE
/// does not require low-S and ordinary signers (OpenSSL, Node, WebCrypto) emit high-S half
/// the time. So the same signed token has two valid encodings, and single use is keyed on
/// the signed payload by the Worker (`app/prove/id_token.rs`), never on the token string.
#[test]
fn accepts_the_high_s_twin_of_an_es256_signature_so_single_use_cannot_key_on_the_token() {
    let token = es256(&claims());
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&b64::decode(sig).unwrap()).unwrap();
    let (r, s) = sig.split_scalars();
    let twin = p256::ecdsa::Signature::from_scalars(r, -s).unwrap();
    let twin_token = format!("{input}.{}", b64::encode(twin.to_bytes()));
    assert_ne!(twin_token, token);
    let a = check(&token, &expect()).unwrap();
    let b = check(&twin_token, &expect()).unwrap();
    assert_eq!(a, b, "both encodings verify to the same claims");
}
