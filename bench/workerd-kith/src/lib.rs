//! The id_token check the Worker runs on every sign-in, exported for a benchmark: the token is
//! parsed once for its `kid` (as `app/prove/id_token.rs` does), then `id_token::validate_jws`
//! walks OIDC Core 3.1.3.7 with signatures checked by the Worker's own WebCrypto verifier.
#![forbid(unsafe_code)]

use kith_claims::id_token::{self, Expectations, IssuerRule, NonceCheck, TypRule};
use kith_claims::jose::{Alg, JwkSet, UnverifiedJws};
use kith_worker::adapters::webcrypto::WebCryptoVerifier;
use wasm_bindgen::prelude::*;

/// Validates `token` `n` times against `jwks` (a JWKS document) and returns how many passed:
/// a benchmark that does not check every result measures nothing.
#[wasm_bindgen]
pub async fn verify_n(
    token: String,
    jwks: String,
    issuer: String,
    audience: String,
    nonce: String,
    now: f64,
    n: u32,
) -> Result<u32, JsError> {
    let keys = JwkSet::parse(jwks.as_bytes()).map_err(|e| JsError::new(&e.to_string()))?;
    let expect = Expectations {
        issuer: IssuerRule::Exact(vec![issuer]),
        client_ids: vec![audience],
        algorithms: vec![Alg::Rs256, Alg::Es256],
        nonce: NonceCheck::Exact(nonce),
        leeway_secs: 60,
        max_age_secs: 600,
        typ: TypRule::JwtOrAbsent,
        hosted_domain: None,
    };
    // Whole seconds, as the Worker's clock gives them.
    let now = now as i64;
    let mut passed = 0;
    for _ in 0..n {
        let Ok(jws) = UnverifiedJws::parse(&token) else {
            continue;
        };
        if jws.header().kid.is_some()
            && id_token::validate_jws(&jws, &keys, &expect, now, &WebCryptoVerifier)
                .await
                .is_ok()
        {
            passed += 1;
        }
    }
    Ok(passed)
}
