//! Kith access tokens verified for Rust backends (`kith_claims::access_token`), against real
//! ES256 signatures with keys generated per run: one test per refusal a backend relies on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use futures_executor::block_on;
use kith_claims::access_token::{self, AccessExpectations, MAX_LEEWAY_SECS};
use kith_claims::jose::{Alg, JwkSet, RustCryptoVerifier};
use kith_claims::ErrorCode;
use serde_json::{json, Value};

const KITH: &str = "https://auth.example.com";
const PROJECT: &str = "0b5e7c1e-4a57-4c39-9a38-6f1d2f6f7a10";

fn access_claims() -> Value {
    json!({"iss": KITH, "aud": PROJECT, "sub": "user-1", "sid": "session-1", "iat": NOW - 10,
           "exp": NOW + 890, "email": "a@example.com", "email_verified": true, "roles": ["admin"],
           "permissions": [], "amr": ["social:google"]})
}

fn token(claims: &Value) -> String {
    sign(
        Alg::Es256,
        json!({"alg": "ES256", "typ": "JWT", "kid": "ec1"}),
        claims,
    )
}

fn expect() -> AccessExpectations {
    AccessExpectations::new(KITH, PROJECT)
}

fn code(token: &str, expect: &AccessExpectations, now: i64) -> ErrorCode {
    access_token::verify_now(token, &jwks(), expect, now)
        .unwrap_err()
        .code()
}

#[test]
fn a_valid_token_yields_its_verified_claims_both_ways() {
    let t = token(&access_claims());
    let claims = access_token::verify_now(&t, &jwks(), &expect(), NOW).unwrap();
    assert_eq!(claims.sub, "user-1");
    assert_eq!(claims.sid, "session-1");
    assert_eq!(claims.email.as_deref(), Some("a@example.com"));
    assert_eq!(claims.roles, ["admin"]);
    assert_eq!(claims.amr, ["social:google"]);
    let awaited = block_on(access_token::verify(
        &t,
        &jwks(),
        &expect(),
        NOW,
        &RustCryptoVerifier,
    ))
    .unwrap();
    assert_eq!(awaited, claims);
}

#[test]
fn an_expired_token_is_refused_beyond_the_skew_only() {
    let t = token(&access_claims());
    let exp = NOW + 890;
    assert_eq!(code(&t, &expect(), exp + 5), ErrorCode::Expired);
    assert!(access_token::verify_now(&t, &jwks(), &expect(), exp + 4).is_ok());
    let strict = expect().with_leeway(0).unwrap();
    assert_eq!(code(&t, &strict, exp), ErrorCode::Expired);
    let wide = expect().with_leeway(MAX_LEEWAY_SECS).unwrap();
    assert!(access_token::verify_now(&t, &jwks(), &wide, exp + 59).is_ok());
}

#[test]
fn the_skew_is_capped() {
    for secs in [-1, MAX_LEEWAY_SECS + 1, 3600] {
        assert_eq!(
            expect().with_leeway(secs).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
    }
}

#[test]
fn a_token_issued_in_the_future_is_refused() {
    let t = token(&with(access_claims(), "iat", json!(NOW + 60)));
    assert_eq!(code(&t, &expect(), NOW), ErrorCode::IssuedAtInvalid);
}

#[test]
fn a_token_of_another_project_is_refused() {
    let t = token(&access_claims());
    let other = AccessExpectations::new(KITH, "5d1c4b2a-0000-4000-8000-000000000001");
    assert_eq!(code(&t, &other, NOW), ErrorCode::AudienceMismatch);
    let listed = token(&with(access_claims(), "aud", json!([PROJECT])));
    assert_eq!(code(&listed, &expect(), NOW), ErrorCode::MalformedClaims);
}

#[test]
fn a_token_of_another_issuer_is_refused_even_a_near_spelling() {
    let t = token(&access_claims());
    for issuer in [
        "https://auth.example.com/",
        "https://AUTH.example.com",
        "https://evil.example",
    ] {
        let e = AccessExpectations::new(issuer, PROJECT);
        assert_eq!(code(&t, &e, NOW), ErrorCode::IssuerMismatch, "{issuer}");
    }
}

#[test]
fn an_unknown_kid_is_no_matching_key_so_the_caller_may_refetch_once() {
    let t = sign(
        Alg::Es256,
        json!({"alg": "ES256", "kid": "rotated"}),
        &access_claims(),
    );
    assert_eq!(code(&t, &expect(), NOW), ErrorCode::NoMatchingKey);
}

#[test]
fn a_key_the_set_lacks_does_not_verify_under_a_known_kid() {
    let stranger = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let point = stranger.verifying_key().to_encoded_point(false);
    let set = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "ec1",
        "x": kith_claims::b64::encode(point.x().unwrap()), "y": kith_claims::b64::encode(point.y().unwrap())}]});
    let other = JwkSet::parse(set.to_string().as_bytes()).unwrap();
    let t = token(&access_claims());
    let got = access_token::verify_now(&t, &other, &expect(), NOW).unwrap_err();
    assert_eq!(got.code(), ErrorCode::InvalidSignature);
}

#[test]
fn algorithms_other_than_es256_are_refused() {
    let rs = sign(
        Alg::Rs256,
        json!({"alg": "RS256", "kid": "rsa1"}),
        &access_claims(),
    );
    assert_eq!(code(&rs, &expect(), NOW), ErrorCode::AlgNotAllowed);
    let payload = kith_claims::b64::encode(access_claims().to_string());
    for alg in ["none", "HS256", "ES384", "EdDSA"] {
        let header = kith_claims::b64::encode(json!({"alg": alg, "kid": "ec1"}).to_string());
        let forged = format!("{header}.{payload}.AAAA");
        assert_eq!(
            code(&forged, &expect(), NOW),
            ErrorCode::AlgNotAllowed,
            "{alg}"
        );
    }
}

#[test]
fn a_tampered_payload_or_a_foreign_typ_is_refused() {
    let t = token(&access_claims());
    let parts: Vec<&str> = t.split('.').collect();
    let payload =
        kith_claims::b64::encode(with(access_claims(), "sub", json!("admin")).to_string());
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);
    assert_eq!(code(&tampered, &expect(), NOW), ErrorCode::InvalidSignature);
    let at_jwt = sign(
        Alg::Es256,
        json!({"alg": "ES256", "typ": "at+jwt+id", "kid": "ec1"}),
        &access_claims(),
    );
    assert_eq!(code(&at_jwt, &expect(), NOW), ErrorCode::TypeMismatch);
}

#[test]
fn claims_of_the_wrong_shape_are_refused() {
    for (name, value) in [
        ("sid", json!("")),
        ("sub", json!(7)),
        ("email_verified", json!("true")),
        ("roles", json!("admin")),
    ] {
        let t = token(&with(access_claims(), name, value));
        assert_eq!(
            code(&t, &expect(), NOW),
            ErrorCode::MalformedClaims,
            "{name}"
        );
    }
    let t = token(&without(access_claims(), "sid"));
    assert_eq!(code(&t, &expect(), NOW), ErrorCode::MalformedClaims);
}

/// A token the real Worker issued (recorded from workerd with its JWKS, public keys only).
#[test]
fn a_token_the_real_worker_issued_verifies_with_its_key_set() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/kith_access_token.json"
    ))
    .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let set = JwkSet::parse(v["jwks"].to_string().as_bytes()).unwrap();
    let token = v["access_token"].as_str().unwrap();
    let expect = AccessExpectations::new(
        v["issuer"].as_str().unwrap(),
        v["project_id"].as_str().unwrap(),
    );
    let iat = v["iat"].as_i64().unwrap();
    let claims = access_token::verify_now(token, &set, &expect, iat + 1).unwrap();
    assert_eq!(claims.sub, v["sub"].as_str().unwrap());
    assert_eq!(claims.sid, v["sid"].as_str().unwrap());
    assert_eq!(claims.amr, ["social:oidc:dev"]);
    assert_eq!(claims.email.as_deref(), Some("alice@example.com"));
    let exp = v["exp"].as_i64().unwrap();
    let late = access_token::verify_now(token, &set, &expect, exp + 5).unwrap_err();
    assert_eq!(late.code(), ErrorCode::Expired);
    let elsewhere = AccessExpectations::new("https://auth.example.com", PROJECT);
    let wrong = access_token::verify_now(token, &set, &elsewhere, iat + 1).unwrap_err();
    assert_eq!(wrong.code(), ErrorCode::IssuerMismatch);
}
