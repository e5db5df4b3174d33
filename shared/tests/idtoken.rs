#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! id_token validation against real signatures (RustCrypto keys generated per run), one test
//! per OpenID RP conformance case and JWT attack class that applies to the code-flow slice.

use kith_claims::b64;
use kith_claims::verify::RustCryptoVerifier;
use kith_claims::{
    validate_id_token, Alg, ErrorCode, Expectations, IssuerRule, JwkSet, NonceCheck, TypRule,
};
use p256::ecdsa::signature::Signer;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use std::sync::OnceLock;

const NOW: i64 = 1_800_000_000;
const ISS: &str = "https://op.example";
const CLIENT: &str = "kith-client";

struct Keys {
    ec: p256::ecdsa::SigningKey,
    rsa: rsa::RsaPrivateKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        ec: p256::ecdsa::SigningKey::random(&mut rand_core::OsRng),
        rsa: rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("rsa keygen"),
    })
}

fn jwks() -> JwkSet {
    let k = keys();
    let point = k.ec.verifying_key().to_encoded_point(false);
    let ec = json!({"kty":"EC","crv":"P-256","kid":"ec1","use":"sig",
        "x": b64::encode(point.x().unwrap()), "y": b64::encode(point.y().unwrap())});
    let pubk = k.rsa.to_public_key();
    let rsa = json!({"kty":"RSA","kid":"rsa1","alg":"RS256",
        "n": b64::encode(pubk.n().to_bytes_be()), "e": b64::encode(pubk.e().to_bytes_be())});
    JwkSet::parse(json!({"keys":[ec, rsa]}).to_string().as_bytes()).unwrap()
}

fn claims() -> Value {
    json!({"iss": ISS, "sub": "user-1", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 5,
           "nonce": "n-123", "email": "a@example.com", "email_verified": true})
}

fn sign(alg: Alg, header: Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64::encode(header.to_string()),
        b64::encode(claims.to_string())
    );
    let sig = match alg {
        Alg::Es256 => {
            let s: p256::ecdsa::Signature = keys().ec.sign(input.as_bytes());
            s.to_bytes().to_vec()
        }
        Alg::Rs256 => {
            let key = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(keys().rsa.clone());
            let s: rsa::pkcs1v15::Signature = key.sign(input.as_bytes());
            rsa::signature::SignatureEncoding::to_vec(&s)
        }
        Alg::EdDsa => unreachable!("not used in these tests"),
    };
    format!("{input}.{}", b64::encode(sig))
}

fn es256(claims: &Value) -> String {
    sign(
        Alg::Es256,
        json!({"alg":"ES256","kid":"ec1","typ":"JWT"}),
        claims,
    )
}

fn rs256(claims: &Value) -> String {
    sign(Alg::Rs256, json!({"alg":"RS256","kid":"rsa1"}), claims)
}

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

fn check(
    token: &str,
    e: &Expectations,
) -> Result<kith_claims::Verified<kith_claims::IdTokenClaims>, ErrorCode> {
    futures_executor::block_on(validate_id_token(
        token,
        &jwks(),
        e,
        NOW,
        &RustCryptoVerifier,
    ))
    .map_err(|e| e.code())
}

fn with(mut c: Value, key: &str, v: Value) -> Value {
    c[key] = v;
    c
}

fn without(mut c: Value, key: &str) -> Value {
    c.as_object_mut().unwrap().remove(key);
    c
}

#[test]
fn accepts_valid_es256_and_rs256_tokens() {
    for t in [es256(&claims()), rs256(&claims())] {
        let v = check(&t, &expect()).expect("valid");
        assert_eq!(v.sub, "user-1");
        assert_eq!(v.email_verified, Some(true));
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
        json!(kith_claims::idtoken::sha256_hex("raw")),
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
fn accepts_apple_style_string_booleans_for_email_verified() {
    let t = es256(&with(claims(), "email_verified", json!("false")));
    assert_eq!(check(&t, &expect()).unwrap().email_verified, Some(false));
    let bad = es256(&with(claims(), "email_verified", json!("yes")));
    assert_eq!(
        check(&bad, &expect()).unwrap_err(),
        ErrorCode::MalformedClaims
    );
}
