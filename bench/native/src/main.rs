//! Parses, verifies and validates the same RS256 and ES256 id_tokens with kith-claims and
//! with the `jsonwebtoken` crate (RustCrypto backend), in one run on one machine, and prints
//! min/median/max per operation and the ratio of medians.
//!
//! `cargo run --release` in bench/native (see BENCHMARKS.md). Absolute times on shared
//! machines are noisy; the ratio is what to read.

use kith_claims::b64;
use kith_claims::id_token::{self, Expectations, IssuerRule, NonceCheck, TypRule};
use kith_claims::jose::{Alg, JwkSet, RustCryptoVerifier};
use p256::ecdsa::signature::Signer;
use rsa::traits::PublicKeyParts;
use serde::Deserialize;
use serde_json::json;
use std::hint::black_box;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const ISS: &str = "https://op.example";
const CLIENT: &str = "kith-bench";
const NONCE: &str = "bench-nonce-0123456789";
const SAMPLES: usize = 7;

#[derive(Deserialize)]
#[allow(dead_code)]
struct JwtClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    nonce: Option<String>,
    email: Option<String>,
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// ns per call: SAMPLES samples of `iters` calls each, after a warm-up.
fn measure(iters: usize, mut f: impl FnMut() -> bool) -> Vec<f64> {
    for _ in 0..iters / 4 {
        assert!(f(), "the benchmarked call must succeed");
    }
    let mut out = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(f());
        }
        out.push(start.elapsed().as_nanos() as f64 / iters as f64);
    }
    out.sort_by(|a, b| a.total_cmp(b));
    out
}

fn summary(v: &[f64]) -> (f64, f64, f64) {
    (v[0] / 1000.0, v[v.len() / 2] / 1000.0, v[v.len() - 1] / 1000.0)
}

fn main() {
    let t = now();
    let claims = json!({"iss": ISS, "sub": "248289761001", "aud": CLIENT, "exp": t + 3600, "iat": t,
        "nonce": NONCE, "email": "jane@example.com", "email_verified": true, "name": "Jane Doe"});

    let ec = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let rsa_key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("rsa keygen");
    let point = ec.verifying_key().to_encoded_point(false);
    let (x, y) = (point.x().expect("x").to_vec(), point.y().expect("y").to_vec());
    let public = rsa_key.to_public_key();
    let (n, e) = (public.n().to_bytes_be(), public.e().to_bytes_be());

    let sign = |alg: &str, kid: &str| {
        let header = json!({"alg": alg, "kid": kid, "typ": "JWT"});
        let input = format!("{}.{}", b64::encode(header.to_string()), b64::encode(claims.to_string()));
        let sig = if alg == "ES256" {
            let s: p256::ecdsa::Signature = ec.sign(input.as_bytes());
            s.to_bytes().to_vec()
        } else {
            let k = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa_key.clone());
            let s: rsa::pkcs1v15::Signature = k.sign(input.as_bytes());
            rsa::signature::SignatureEncoding::to_vec(&s)
        };
        format!("{input}.{}", b64::encode(sig))
    };
    let es_token = sign("ES256", "ec1");
    let rs_token = sign("RS256", "rsa1");

    let jwks = JwkSet::parse(
        json!({"keys": [
            {"kty": "EC", "crv": "P-256", "kid": "ec1", "x": b64::encode(&x), "y": b64::encode(&y)},
            {"kty": "RSA", "kid": "rsa1", "n": b64::encode(&n), "e": b64::encode(&e)},
        ]})
        .to_string()
        .as_bytes(),
    )
    .expect("jwks");
    let expect = Expectations {
        issuer: IssuerRule::Exact(vec![ISS.into()]),
        client_ids: vec![CLIENT.into()],
        algorithms: vec![Alg::Rs256, Alg::Es256],
        nonce: NonceCheck::Exact(NONCE.into()),
        leeway_secs: 60,
        max_age_secs: 600,
        typ: TypRule::JwtOrAbsent,
        hosted_domain: None,
    };
    let kith = |token: &str| {
        futures_executor::block_on(id_token::validate(token, &jwks, &expect, now(), &RustCryptoVerifier)).is_ok()
    };

    use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
    let es_key = DecodingKey::from_ec_components(&b64::encode(&x), &b64::encode(&y)).expect("ec key");
    let rs_key = DecodingKey::from_rsa_components(&b64::encode(&n), &b64::encode(&e)).expect("rsa key");
    let validation = |alg| {
        let mut v = Validation::new(alg);
        v.set_issuer(&[ISS]);
        v.set_audience(&[CLIENT]);
        v.leeway = 60;
        v
    };
    let (es_val, rs_val) = (validation(Algorithm::ES256), validation(Algorithm::RS256));
    // The same work an app does with jsonwebtoken: pick the key by kid, decode, check nonce
    // (jsonwebtoken has no nonce or iat-age check of its own).
    let jwt = |token: &str| {
        let Ok(h) = decode_header(token) else { return false };
        let (key, val) = match h.kid.as_deref() {
            Some("ec1") => (&es_key, &es_val),
            Some("rsa1") => (&rs_key, &rs_val),
            _ => return false,
        };
        match decode::<JwtClaims>(token, key, val) {
            Ok(d) => d.claims.nonce.as_deref() == Some(NONCE),
            Err(_) => false,
        }
    };

    println!("| operation (parse + verify + validate) | kith-claims µs (min / median / max) | jsonwebtoken µs (min / median / max) | kith / jsonwebtoken (median) |");
    println!("|---|---|---|---|");
    let mut rows = Vec::new();
    for (name, token, iters) in [("RS256 id_token", &rs_token, 4000), ("ES256 id_token", &es_token, 2000)] {
        let k = summary(&measure(iters, || kith(token)));
        let j = summary(&measure(iters, || jwt(token)));
        println!(
            "| {name} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.2} |",
            k.0, k.1, k.2, j.0, j.1, j.2, k.1 / j.1
        );
        rows.push(json!({"operation": name, "kith_us": [k.0, k.1, k.2], "jsonwebtoken_us": [j.0, j.1, j.2], "ratio_median": k.1 / j.1}));
    }
    println!();
    println!("{} samples per figure; raw: {}", SAMPLES, json!(rows));
}
