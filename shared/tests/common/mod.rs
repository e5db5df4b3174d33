//! Shared test helpers: real keys (generated once per test binary) and a token signer.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use kith_claims::b64;
use kith_claims::jose::{Alg, JwkSet};
use p256::ecdsa::signature::Signer;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use std::sync::OnceLock;

pub const NOW: i64 = 1_800_000_000;
pub const ISS: &str = "https://op.example";
pub const CLIENT: &str = "kith-client";

pub struct Keys {
    pub ec: p256::ecdsa::SigningKey,
    pub rsa: rsa::RsaPrivateKey,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        ec: p256::ecdsa::SigningKey::random(&mut rand_core::OsRng),
        rsa: rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("rsa keygen"),
    })
}

pub fn jwks() -> JwkSet {
    JwkSet::parse(jwks_json().as_bytes()).unwrap()
}

/// The public JWKS document of the test keys.
pub fn jwks_json() -> String {
    let k = keys();
    let point = k.ec.verifying_key().to_encoded_point(false);
    let ec = json!({"kty":"EC","crv":"P-256","kid":"ec1","use":"sig",
        "x": b64::encode(point.x().unwrap()), "y": b64::encode(point.y().unwrap())});
    let pubk = k.rsa.to_public_key();
    let rsa = json!({"kty":"RSA","kid":"rsa1","alg":"RS256",
        "n": b64::encode(pubk.n().to_bytes_be()), "e": b64::encode(pubk.e().to_bytes_be())});
    json!({"keys":[ec, rsa]}).to_string()
}

pub fn claims() -> Value {
    json!({"iss": ISS, "sub": "user-1", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 5,
           "nonce": "n-123", "email": "a@example.com", "email_verified": true})
}

pub fn sign(alg: Alg, header: Value, claims: &Value) -> String {
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

pub fn es256(claims: &Value) -> String {
    sign(
        Alg::Es256,
        json!({"alg":"ES256","kid":"ec1","typ":"JWT"}),
        claims,
    )
}

pub fn rs256(claims: &Value) -> String {
    sign(Alg::Rs256, json!({"alg":"RS256","kid":"rsa1"}), claims)
}

pub fn with(mut c: Value, key: &str, v: Value) -> Value {
    c[key] = v;
    c
}

pub fn without(mut c: Value, key: &str) -> Value {
    c.as_object_mut().unwrap().remove(key);
    c
}
