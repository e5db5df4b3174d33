//! Every type of kith-claims that holds a secret prints it redacted: `{:?}` of each, with
//! distinctive secret values, contains none of them (issue 11; STYLE.md "a secret that
//! prints"; TESTING.md "a secret in a log line").
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use kith_claims::id_token::{self, Expectations, IssuerRule, NonceCheck, TypRule};
use kith_claims::jose::{Alg, RustCryptoVerifier, UnverifiedJws};
use kith_claims::oauth::{
    process_token_response, AuthorizationRequest, ClientAuth, ClientSecret, CodeExchange,
    PkceVerifier,
};
use kith_claims::providers::{facebook, github, ProviderProfile};
use serde_json::json;

const CLIENT_SECRET: &str = "cs-TOPSECRET-1";
const ACCESS_TOKEN: &str = "at-TOPSECRET-2";
const REFRESH_TOKEN: &str = "rt-TOPSECRET-3";
const CODE: &str = "code-TOPSECRET-4";
const NONCE: &str = "nonce-TOPSECRET-5";
const STATE: &str = "state-TOPSECRET-6";

/// Asserts that the `Debug` output of `value` contains none of `secrets`.
fn assert_redacted(what: &str, value: &impl std::fmt::Debug, secrets: &[&str]) {
    for pretty in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in secrets {
            assert!(!pretty.contains(secret), "{what} prints a secret: {pretty}");
        }
    }
}

#[test]
fn client_secret_and_pkce_verifier_print_redacted() {
    let secret = ClientSecret::new(CLIENT_SECRET.into());
    assert_redacted("ClientSecret", &secret, &[CLIENT_SECRET]);
    assert_eq!(secret.expose_secret(), CLIENT_SECRET);
    let verifier = PkceVerifier::from_random(&[9; 32]);
    assert_redacted("PkceVerifier", &verifier, &[verifier.secret()]);
}

#[test]
fn code_exchange_and_its_requests_print_redacted() {
    let secret = ClientSecret::new(CLIENT_SECRET.into());
    let verifier = PkceVerifier::from_random(&[9; 32]);
    for auth in [ClientAuth::Basic, ClientAuth::Post] {
        let exchange = CodeExchange {
            token_endpoint: "https://op.example/token",
            client_id: "app",
            client_secret: &secret,
            auth,
        };
        assert_redacted("CodeExchange", &exchange, &[CLIENT_SECRET]);
        let request = exchange.request(CODE, "https://app.example/cb", &verifier);
        assert!(
            request.body.contains(CODE),
            "the request does carry the code"
        );
        assert_redacted(
            "HttpRequest (code exchange)",
            &request,
            &[CLIENT_SECRET, CODE, verifier.secret()],
        );
    }
}

#[test]
fn token_responses_print_redacted() {
    let body = json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer",
        "refresh_token": REFRESH_TOKEN, "id_token": "h.p.s-TOPSECRET-7"});
    let tokens = process_token_response(200, body.to_string().as_bytes()).unwrap();
    assert_redacted(
        "TokenResponse",
        &tokens,
        &[ACCESS_TOKEN, REFRESH_TOKEN, "TOPSECRET-7"],
    );
}

#[test]
fn provider_api_requests_print_redacted() {
    for request in github::api_requests("https://api.github.com/user", ACCESS_TOKEN) {
        assert_redacted("HttpRequest (GitHub)", &request, &[ACCESS_TOKEN]);
    }
    let secret = ClientSecret::new(CLIENT_SECRET.into());
    let me =
        facebook::me_request("https://graph.example/me?fields=id", &secret, ACCESS_TOKEN).unwrap();
    let proof = facebook::appsecret_proof(&secret, ACCESS_TOKEN).unwrap();
    assert_redacted(
        "HttpRequest (Facebook)",
        &me,
        &[ACCESS_TOKEN, CLIENT_SECRET, &proof],
    );
}

#[test]
fn authorization_requests_print_redacted() {
    let request = AuthorizationRequest {
        authorization_endpoint: "https://op.example/auth",
        client_id: "app",
        redirect_uri: "https://app.example/cb",
        scope: "openid",
        state: STATE,
        nonce: NONCE,
        code_challenge: "challenge",
    };
    assert_redacted("AuthorizationRequest", &request, &[STATE, NONCE]);
}

#[test]
fn nonce_rules_and_expectations_print_redacted() {
    for check in [
        NonceCheck::Exact(NONCE.into()),
        NonceCheck::Sha256Hex(NONCE.into()),
        NonceCheck::Sha256HexOrExact(NONCE.into()),
    ] {
        assert_redacted("NonceCheck", &check, &[NONCE]);
    }
    let expect = ProviderProfile::google().expectations(vec![CLIENT.into()], Some(NONCE));
    assert_redacted("Expectations", &expect, &[NONCE]);
}

#[test]
fn tokens_and_their_verified_claims_print_redacted() {
    let token = es256(&with(claims(), "nonce", json!(NONCE)));
    let jws = UnverifiedJws::parse(&token).unwrap();
    let signature = token.rsplit('.').next().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    assert_redacted("UnverifiedJws", &jws, &[signature, payload, &token]);
    let expect = Expectations {
        issuer: IssuerRule::Exact(vec![ISS.into()]),
        client_ids: vec![CLIENT.into()],
        algorithms: vec![Alg::Es256],
        nonce: NonceCheck::Exact(NONCE.into()),
        leeway_secs: 60,
        max_age_secs: 600,
        typ: TypRule::JwtOrAbsent,
        hosted_domain: None,
    };
    let verified = futures_executor::block_on(id_token::validate(
        &token,
        &jwks(),
        &expect,
        NOW,
        &RustCryptoVerifier,
    ))
    .unwrap();
    assert_eq!(verified.nonce.as_deref(), Some(NONCE));
    assert_redacted("IdTokenClaims", verified.get(), &[NONCE]);
    assert_redacted("Verified<IdTokenClaims>", &verified, &[NONCE]);
}

#[test]
fn errors_never_echo_the_secret_they_refuse() {
    let err = PkceVerifier::parse("short-TOPSECRET").unwrap_err();
    assert_redacted("Error (PKCE)", &err, &["TOPSECRET"]);
    assert!(!err.to_string().contains("TOPSECRET"));
    let token = es256(&with(claims(), "nonce", json!(NONCE)));
    let mut expect = ProviderProfile::google().expectations(vec![CLIENT.into()], Some("other"));
    expect.issuer = IssuerRule::Exact(vec![ISS.into()]);
    expect.algorithms = vec![Alg::Es256];
    let err = futures_executor::block_on(id_token::validate(
        &token,
        &jwks(),
        &expect,
        NOW,
        &RustCryptoVerifier,
    ))
    .unwrap_err();
    assert_eq!(err.code(), kith_claims::ErrorCode::NonceMismatch);
    assert_redacted("Error (id_token)", &err, &[NONCE, &token]);
}
