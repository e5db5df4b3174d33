//! Key sets with unusable keys (issue 12, item 8), as a provider's broken or hostile JWKS
//! would look: one weak, private, unknown or badly encoded key is skipped and the others
//! still verify; a skipped key is never selected; a document that is not a key set is
//! refused as a whole.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use kith_claims::b64;
use kith_claims::id_token::{self, Expectations, IssuerRule, NonceCheck, TypRule};
use kith_claims::jose::{Alg, JwkSet, RustCryptoVerifier};
use kith_claims::ErrorCode;
use serde_json::{json, Value};

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

fn validate(token: &str, set: &JwkSet) -> Result<(), ErrorCode> {
    futures_executor::block_on(id_token::validate(
        token,
        set,
        &expect(),
        NOW,
        &RustCryptoVerifier,
    ))
    .map(|_| ())
    .map_err(|e| e.code())
}

/// The test keys' document with `extra` keys put in front of the good ones.
fn with_extra(extra: Vec<Value>) -> JwkSet {
    let mut doc: Value = serde_json::from_str(&jwks_json()).unwrap();
    let keys = doc["keys"].as_array_mut().unwrap();
    for (i, k) in extra.into_iter().enumerate() {
        keys.insert(i, k);
    }
    JwkSet::parse(doc.to_string().as_bytes()).unwrap()
}

/// The EC test key as a JWK with `kid`, plus `more` members.
fn ec_key(kid: &str, more: Value) -> Value {
    let point = keys().ec.verifying_key().to_encoded_point(false);
    let mut k = json!({"kty": "EC", "crv": "P-256", "kid": kid,
        "x": b64::encode(point.x().unwrap()), "y": b64::encode(point.y().unwrap())});
    for (name, v) in more.as_object().unwrap() {
        k[name] = v.clone();
    }
    k
}

fn unusable_keys() -> Vec<(&'static str, Value)> {
    let weak_n = b64::encode([0xc1u8; 128]);
    vec![
        (
            "1024-bit RSA",
            json!({"kty": "RSA", "kid": "weak", "n": weak_n, "e": "AQAB"}),
        ),
        ("EC with d", ec_key("leaked", json!({"d": "AAAA"}))),
        (
            "RSA with p/q",
            json!({"kty": "RSA", "kid": "rsa-priv", "n": b64::encode([0xc1u8; 256]),
                "e": "AQAB", "p": "AQAB", "q": "AQAB", "dp": "AQ", "dq": "AQ", "qi": "AQ"}),
        ),
        (
            "symmetric oct",
            json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
        ),
        ("unknown kty", json!({"kty": "XYZ", "kid": "odd"})),
        ("P-384", ec_key("p384", json!({"crv": "P-384"}))),
        ("padded base64", ec_key("padded", json!({"x": "AAAA=="}))),
        ("x not a string", ec_key("numeric", json!({"x": 12}))),
        ("short point", ec_key("short", json!({"y": "AAAA"}))),
        (
            "RSA without n",
            json!({"kty": "RSA", "kid": "no-n", "e": "AQAB"}),
        ),
        ("no kty", json!({"kid": "nokty"})),
        ("a number", json!(7)),
        ("a string", json!("key")),
        ("alg unknown", ec_key("alg", json!({"alg": "ES999"}))),
    ]
}

#[test]
fn one_unusable_key_among_good_ones_is_skipped_and_the_good_keys_still_verify() {
    for (what, bad) in unusable_keys() {
        let set = with_extra(vec![bad]);
        assert_eq!(
            set.keys().len(),
            2,
            "{what}: only the two good keys are kept"
        );
        assert_eq!(validate(&es256(&claims()), &set), Ok(()), "{what}");
        assert_eq!(validate(&rs256(&claims()), &set), Ok(()), "{what}");
    }
}

#[test]
fn all_unusable_keys_at_once_leave_the_good_ones() {
    let set = with_extra(unusable_keys().into_iter().map(|(_, k)| k).collect());
    assert_eq!(set.keys().len(), 2);
    assert_eq!(validate(&es256(&claims()), &set), Ok(()));
}

#[test]
fn a_token_naming_a_skipped_key_finds_no_matching_key() {
    // The attacker holds the private half the provider leaked (`d` in the set) and signs
    // with it, naming its kid: the leaked key is not a key Kith verifies with.
    let set = with_extra(vec![ec_key("leaked", json!({"d": "AAAA"}))]);
    let forged = sign(
        Alg::Es256,
        json!({"alg": "ES256", "kid": "leaked"}),
        &claims(),
    );
    assert_eq!(validate(&forged, &set), Err(ErrorCode::NoMatchingKey));
    let weak = with_extra(unusable_keys().into_iter().map(|(_, k)| k).collect());
    for kid in ["weak", "rsa-priv", "hmac", "odd", "p384", "padded", "short"] {
        let t = sign(Alg::Es256, json!({"alg": "ES256", "kid": kid}), &claims());
        assert_eq!(validate(&t, &weak), Err(ErrorCode::NoMatchingKey), "{kid}");
    }
}

#[test]
fn a_set_of_only_unusable_keys_parses_and_matches_nothing() {
    let doc = json!({"keys": unusable_keys().into_iter().map(|(_, k)| k).collect::<Vec<_>>()});
    let set = JwkSet::parse(doc.to_string().as_bytes()).unwrap();
    assert!(set.keys().is_empty());
    assert_eq!(
        validate(&es256(&claims()), &set),
        Err(ErrorCode::NoMatchingKey)
    );
}

#[test]
fn a_document_that_is_not_a_key_set_is_refused_whole() {
    let too_many = json!({"keys": vec![ec_key("k", json!({})); 65]}).to_string();
    for doc in [
        "",
        "null",
        "[]",
        "\"keys\"",
        "{}",
        r#"{"keys": {}}"#,
        r#"{"keys": "k"}"#,
        r#"{"keys": null}"#,
        r#"{"keys": [], "keys": []}"#,
        r#"{"keys": [{"kty": "EC", "kty": "RSA"}]}"#,
        "<html>503 Service Unavailable</html>",
        too_many.as_str(),
    ] {
        let err = JwkSet::parse(doc.as_bytes()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidJwks, "{doc:.40}");
    }
    let huge = format!(r#"{{"keys": [], "pad": "{}"}}"#, "x".repeat(70_000));
    assert_eq!(
        JwkSet::parse(huge.as_bytes()).unwrap_err().code(),
        ErrorCode::InvalidJwks
    );
}
