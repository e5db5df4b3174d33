//! No secret or token in any log line (issue 12, item 10), as the reader of the Worker's
//! logs would find one: providers and transports that echo the request back in their error
//! text, for a token exchange, GitHub's API and Facebook's Graph. The reasons checked here
//! are what `http::wire::log` prints (the `ApiError`'s own text).

use super::native::{github_routes, native, Native, OP, SECRET};
use futures_executor::block_on;
use kith_claims::oauth::{form_encode, ClientSecret, HttpRequest};
use kith_claims::providers::facebook::appsecret_proof;
use kith_claims::providers::ProviderName;
use kith_worker::adapters::twins::http::json;
use kith_worker::app::ports::{Crypto, HttpAnswer};
use kith_worker::domain::Provider;
use kith_worker::domain::Secret;
use kith_worker::error::ApiError;
use serde_json::json as j;

const CODE: &str = "the-code";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const FB_TOKEN: &str = "EAAB/fb+token-0123456789";
const GH_TOKEN: &str = "gh-token";
const GRAPH: &str = "https://graph.facebook.example/me";

/// Everything a request carried, as a chatty provider or JS `TypeError` would quote it.
fn echo(r: &HttpRequest) -> String {
    format!("{} {} {:?} {}", r.method, r.url, r.headers, r.body)
}

fn echo_answer(status: u16) -> impl Fn(&HttpRequest) -> HttpAnswer {
    move |r| {
        json(
            status,
            &j!({"error": "invalid_grant", "error_description": echo(r)}),
        )
    }
}

fn assert_clean(err: &ApiError, secrets: &[&str]) {
    let logged = format!("{err:?}");
    for s in secrets {
        assert!(!logged.contains(s), "{s:?} in the logged reason: {logged}");
        let encoded = form_encode(s);
        assert!(!logged.contains(&encoded), "{encoded:?} in: {logged}");
    }
}

fn exchange_secrets() -> [&'static str; 3] {
    [SECRET, CODE, VERIFIER]
}

#[test]
fn a_token_endpoint_echoing_the_request_leaves_no_secret_code_or_verifier_in_the_reason() {
    for status in [200, 400, 401] {
        let n = native();
        n.p.http.route(&format!("{OP}/token"), echo_answer(status));
        let err = n.code_form(&n.oidc).unwrap_err();
        assert!(matches!(err, ApiError::InvalidSocialLogin(_)), "{err:?}");
        assert_clean(&err, &exchange_secrets());
    }
}

#[test]
fn a_failed_token_request_whose_error_quotes_it_leaves_no_secret_in_the_reason() {
    let n = native();
    n.p.http.fail(&format!("{OP}/token"), |r| {
        ApiError::ProviderUnavailable(format!("TypeError: fetch failed: {}", echo(r)))
    });
    let err = n.code_form(&n.oidc).unwrap_err();
    assert!(matches!(err, ApiError::ProviderUnavailable(_)), "{err:?}");
    assert_clean(&err, &exchange_secrets());
}

#[test]
fn a_token_answer_with_a_misplaced_token_is_not_quoted_in_the_reason() {
    let n = native();
    n.p.http.route(&format!("{OP}/token"), |_| {
        json(
            200,
            &j!({"access_token": "at", "token_type": "Bearer", "expires_in": "at-secret-xyz"}),
        )
    });
    let err = n.code_form(&n.oidc).unwrap_err();
    assert_clean(&err, &["at-secret-xyz"]);
}

#[test]
fn a_github_failure_leaves_no_access_token_in_the_reason() {
    let n = native();
    github_routes(&n, 200);
    n.p.http.fail("https://api.github.example/user", |r| {
        ApiError::ProviderUnavailable(format!("TypeError: {}", echo(r)))
    });
    let err = n.code_form(&n.github).unwrap_err();
    assert_clean(&err, &[GH_TOKEN, "Bearer gh-token"]);
    // An answer that echoes the token where the account should be.
    github_routes(&n, 200);
    n.p.http.route("https://api.github.example/user", |r| {
        json(200, &j!({"id": echo(r), "login": "octo"}))
    });
    let err = n.code_form(&n.github).unwrap_err();
    assert!(matches!(err, ApiError::InvalidSocialLogin(_)), "{err:?}");
    assert_clean(&err, &[GH_TOKEN]);
}

fn facebook(n: &Native) -> Provider {
    let mut cfg = n.github.config.clone();
    cfg.client_id = "fb-app".into();
    cfg.userinfo_endpoint = Some(format!("{GRAPH}?fields=id,name,email"));
    n.p.http.route(&format!("{OP}/token"), |_| {
        json(200, &j!({"access_token": FB_TOKEN, "token_type": "bearer"}))
    });
    // A sealed secret is bound to its row: Facebook's own.
    let aad = kith_worker::app::keyring::provider_secret_aad(super::world::PID, "facebook");
    let sealed = block_on(n.p.crypto.seal(&Secret::new(SECRET), &aad)).unwrap();
    Provider {
        project_id: super::world::PID.into(),
        name: ProviderName::parse("facebook").unwrap(),
        enabled: true,
        config: cfg,
        client_secret_enc: Some(sealed),
    }
}

fn fb_secrets() -> Vec<String> {
    let proof = appsecret_proof(&ClientSecret::new(SECRET.into()), FB_TOKEN).unwrap();
    vec![FB_TOKEN.into(), proof, SECRET.into()]
}

#[test]
fn the_graph_call_carries_the_token_in_a_header_not_in_the_url() {
    let n = native();
    let fb = facebook(&n);
    n.p.http.route(GRAPH, |r| {
        let bearer = r
            .headers
            .iter()
            .any(|(k, v)| *k == "authorization" && v == &format!("Bearer {FB_TOKEN}"));
        if !bearer || r.url.contains("access_token") {
            return json(400, &j!({"error": {"message": "no token"}}));
        }
        json(200, &j!({"id": "10158", "email": "f@example.com"}))
    });
    n.code_form(&fb).unwrap();
    let graph =
        n.p.http
            .seen()
            .into_iter()
            .find(|r| r.url.starts_with(GRAPH))
            .unwrap();
    assert!(!graph.url.contains(FB_TOKEN) && !graph.url.contains(&form_encode(FB_TOKEN)));
    assert!(graph.url.contains("appsecret_proof="), "{}", graph.url);
}

#[test]
fn a_graph_failure_leaves_no_token_proof_or_app_secret_in_the_reason() {
    let n = native();
    let fb = facebook(&n);
    n.p.http.fail(GRAPH, |r| {
        ApiError::ProviderUnavailable(format!("TypeError: fetch {}", echo(r)))
    });
    let unreachable = n.code_form(&fb).unwrap_err();
    n.p.http
        .route(GRAPH, |r| json(400, &j!({"error": {"message": echo(r)}})));
    let refused = n.code_form(&fb).unwrap_err();
    n.p.http.route(GRAPH, |r| json(200, &j!({"id": echo(r)})));
    let garbled = n.code_form(&fb).unwrap_err();
    assert!(
        matches!(unreachable, ApiError::ProviderUnavailable(_)),
        "{unreachable:?}"
    );
    assert!(
        matches!(refused, ApiError::InvalidSocialLogin(_)),
        "{refused:?}"
    );
    assert!(
        matches!(garbled, ApiError::InvalidSocialLogin(_)),
        "{garbled:?}"
    );
    for err in [unreachable, refused, garbled] {
        let secrets = fb_secrets();
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_clean(&err, &refs);
    }
}
