//! The SDK's units in a real headless Chromium (wasm-bindgen-test): the browser's CSPRNG,
//! its sessionStorage and its failures.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use kith_sdk::browser::{random_bytes, WebStorage};
use kith_sdk::error::codes;
use kith_sdk::flow::{begin, take, KeyValue, ProviderFacts, FLOW_TTL_MS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PID: &str = "6f0c5b8e-2d1a-4c3b-9e7f-0a1b2c3d4e5f";

const SCOPES: &[String] = &[];

fn facts() -> ProviderFacts<'static> {
    ProviderFacts {
        provider: "oidc:dev",
        client_id: "c",
        authorization_endpoint: "https://op.example/auth",
        scopes: SCOPES,
    }
}

fn start(store: &WebStorage, now: f64) -> (String, String) {
    let url = begin(
        store,
        PID,
        &facts(),
        "https://app.example/",
        &random_bytes().unwrap(),
        now,
    )
    .unwrap();
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    (url, state)
}

#[wasm_bindgen_test]
fn pkce_matches_rfc7636_appendix_b_in_the_browser() {
    let bytes: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    let v = kith_claims::oauth::PkceVerifier::from_random(&bytes);
    assert_eq!(
        v.challenge_s256(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[wasm_bindgen_test]
fn state_nonce_and_verifier_come_from_the_csprng_and_differ_each_time() {
    let store = WebStorage::session().unwrap();
    let (a, sa) = start(&store, 0.0);
    let (b, sb) = start(&store, 0.0);
    assert_ne!(sa, sb);
    let nonce = |u: &str| {
        u.split("nonce=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_ne!(nonce(&a), nonce(&b));
    assert!(a.contains("code_challenge_method=S256"));
    assert_eq!(sa.len(), 43);
}

#[wasm_bindgen_test]
fn a_flow_in_session_storage_is_single_use() {
    let store = WebStorage::session().unwrap();
    let (_, state) = start(&store, 1_000.0);
    let record = take(&store, PID, &state, 2_000.0).unwrap();
    assert_eq!(record.code_verifier.map(|v| v.len()), Some(43));
    assert_eq!(
        take(&store, PID, &state, 2_001.0).unwrap_err().code,
        codes::STATE_MISMATCH
    );
}

#[wasm_bindgen_test]
fn a_flow_expires_after_ten_minutes() {
    let store = WebStorage::session().unwrap();
    let (_, state) = start(&store, 1_000.0);
    assert_eq!(
        take(&store, PID, &state, 1_000.0 + FLOW_TTL_MS + 1.0)
            .unwrap_err()
            .code,
        codes::STATE_MISMATCH
    );
}

#[wasm_bindgen_test]
fn full_session_storage_is_storage_unavailable_not_a_crash() {
    let store = WebStorage::session().unwrap();
    // Fill sessionStorage to its quota, in ever smaller pieces.
    let mut i = 0;
    for size in [1 << 20, 1 << 14, 1 << 8, 8] {
        let chunk = "x".repeat(size);
        while i < 4096 && store.set(&format!("fill-{i}"), &chunk).is_ok() {
            i += 1;
        }
    }
    let err = begin(
        &store,
        PID,
        &facts(),
        "https://app.example/",
        &random_bytes().unwrap(),
        0.0,
    )
    .unwrap_err();
    assert_eq!(err.code, codes::STORAGE_UNAVAILABLE);
    for j in 0..=i {
        store.remove(&format!("fill-{j}")).unwrap();
    }
}
