//! The providers' key sets through the sign-in service (issue 12, item 8): a JWKS that is
//! unreachable, a 4xx or not a key set is `503 provider_unavailable` with nothing written;
//! unusable keys in a set are skipped, so the good key still signs users in.

use super::native::{id_token, jwks, native, Native, OP};
use super::world::count;
use kith_worker::adapters::twins::http::json;
use kith_worker::app::ports::HttpAnswer;
use kith_worker::error::ApiError;
use serde_json::{json as j, Value};

fn serve(n: &Native, answer: impl Fn() -> HttpAnswer + 'static) {
    n.p.http.route(&format!("{OP}/jwks"), move |_| answer());
}

fn raw(status: u16, body: &str) -> HttpAnswer {
    HttpAnswer {
        status,
        body: body.as_bytes().to_vec(),
        cache_control: None,
    }
}

fn nothing_written(n: &Native) {
    assert_eq!(n.rows(), (0, 0, 0));
    assert_eq!(count(&n.p.db, "used_tokens"), 0);
}

#[test]
fn a_jwks_that_is_a_4xx_or_not_a_key_set_is_provider_unavailable_and_writes_nothing() {
    let answers: Vec<(&str, HttpAnswer)> = vec![
        ("404", json(404, &j!({"error": "not found"}))),
        ("401", json(401, &j!({}))),
        ("429", json(429, &j!({}))),
        ("html", raw(200, "<html>maintenance</html>")),
        ("empty", raw(200, "")),
        ("object", json(200, &j!({}))),
        ("array", json(200, &j!([]))),
        ("keys not an array", json(200, &j!({"keys": {}}))),
        (
            "discovery document",
            json(200, &j!({"issuer": OP, "jwks_uri": format!("{OP}/jwks")})),
        ),
        ("duplicate members", raw(200, r#"{"keys":[],"keys":[]}"#)),
        ("302", raw(302, "")),
    ];
    for (what, answer) in answers {
        let n = native();
        let body = answer.body.clone();
        let status = answer.status;
        serve(&n, move || raw(status, std::str::from_utf8(&body).unwrap()));
        let err = n
            .id_token_form(&id_token("alice", "n-1", "a@example.com"), "n-1")
            .unwrap_err();
        assert!(
            matches!(err, ApiError::ProviderUnavailable(_)),
            "{what}: {err:?}"
        );
        assert_eq!(err.status(), 503, "{what}");
        nothing_written(&n);
    }
}

#[test]
fn an_unreachable_jwks_host_is_provider_unavailable_and_writes_nothing() {
    let mut n = native();
    n.oidc.config.jwks_uri = Some("https://nowhere.example/jwks".into());
    let err = n
        .id_token_form(&id_token("alice", "n-1", "a@example.com"), "n-1")
        .unwrap_err();
    assert!(matches!(err, ApiError::ProviderUnavailable(_)), "{err:?}");
    nothing_written(&n);
}

fn with_bad_keys() -> Value {
    let mut set = jwks();
    let good = set["keys"][0].clone();
    let mut leaked = good.clone();
    leaked["kid"] = j!("leaked");
    leaked["d"] = j!("AAAA");
    let bad = [
        j!({"kty": "RSA", "kid": "weak", "n": "wcHBwcHB", "e": "AQAB"}),
        leaked,
        j!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
        j!({"kty": "EC", "crv": "P-521", "kid": "p521", "x": "AA", "y": "AA"}),
        j!({"kty": "EC", "crv": "P-256", "kid": "pad", "x": "AA==", "y": "AA=="}),
        j!({"kty": "PQC"}),
        j!(42),
    ];
    set["keys"] = Value::Array(bad.into_iter().chain([good]).collect());
    set
}

#[test]
fn unusable_keys_beside_the_good_one_are_skipped_and_sign_in_works() {
    let n = native();
    serve(&n, || json(200, &with_bad_keys()));
    n.id_token_form(&id_token("alice", "n-1", "a@example.com"), "n-1")
        .unwrap();
    assert_eq!(n.rows(), (1, 1, 1));
}

#[test]
fn a_key_set_with_no_usable_key_refuses_the_token_and_writes_nothing() {
    let n = native();
    let mut set = with_bad_keys();
    set["keys"].as_array_mut().unwrap().pop();
    serve(&n, move || json(200, &set));
    let err = n
        .id_token_form(&id_token("alice", "n-1", "a@example.com"), "n-1")
        .unwrap_err();
    assert!(matches!(err, ApiError::InvalidSocialLogin(_)), "{err:?}");
    nothing_written(&n);
}
