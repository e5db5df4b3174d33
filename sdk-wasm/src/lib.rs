//! # kith-sdk
//!
//! The browser half of Kith, compiled to WebAssembly and wrapped by the npm package in
//! `pkg/` (which owns the JavaScript API of CONTRACT.md). This crate makes the one-time
//! values of a sign-in (PKCE S256, state, nonce) from the browser's CSPRNG, keeps them
//! single-use in sessionStorage, talks to the Worker and stores the session.
//!
//! It verifies no signatures: the Worker does, so the SDK carries no RSA/ECDSA code.
#![forbid(unsafe_code)]

mod browser;
pub mod error;
pub mod flow;

use browser::WebStorage;
use error::{codes, SdkError, SdkResult};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

fn to_js(e: SdkError) -> JsValue {
    let obj = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&obj, &"code".into(), &e.code.into());
    let _ = js_sys::Reflect::set(&obj, &"message".into(), &e.message.into());
    if let Some(status) = e.status {
        let _ = js_sys::Reflect::set(&obj, &"status".into(), &status.into());
    }
    obj.into()
}

fn api(base_url: &str, path: &str) -> String {
    format!("{}{path}", base_url.trim_end_matches('/'))
}

/// Reads a Worker answer: 2xx bodies are returned, error bodies become their code.
fn check(answer: browser::Answer) -> SdkResult<String> {
    if (200..300).contains(&answer.status) {
        return Ok(answer.text);
    }
    #[derive(Deserialize)]
    struct Wire {
        error: String,
        #[serde(default)]
        error_description: String,
    }
    let mut err = match serde_json::from_str::<Wire>(&answer.text) {
        Ok(w) => SdkError::new(&w.error, w.error_description),
        Err(_) => SdkError::new(
            codes::NETWORK_ERROR,
            format!("unexpected HTTP {} from the Kith Worker", answer.status),
        ),
    };
    err.status = Some(answer.status);
    Err(err)
}

#[derive(Deserialize)]
struct ProviderWire {
    provider: String,
    client_id: String,
    authorization_endpoint: String,
    scopes: Vec<String>,
}

#[derive(Deserialize)]
struct ProvidersWire {
    providers: Vec<ProviderWire>,
}

async fn sign_in_with_redirect_impl(
    base_url: &str,
    project_id: &str,
    provider: &str,
    redirect_uri: &str,
    scopes: Option<Vec<String>>,
) -> SdkResult<()> {
    let store = WebStorage::session()?;
    let answer = browser::fetch(
        "GET",
        &api(base_url, "/api/auth/providers"),
        project_id,
        None,
    )
    .await?;
    let list: ProvidersWire = serde_json::from_str(&check(answer)?)
        .map_err(|_| SdkError::new(codes::NETWORK_ERROR, "unreadable provider list"))?;
    let p = list
        .providers
        .iter()
        .find(|p| p.provider == provider)
        .ok_or_else(|| {
            SdkError::new(
                "provider_not_enabled",
                format!("the provider \"{provider}\" is not enabled"),
            )
        })?;
    let scopes = scopes
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| p.scopes.clone());
    let facts = flow::ProviderFacts {
        provider,
        client_id: &p.client_id,
        authorization_endpoint: &p.authorization_endpoint,
        scopes: &scopes,
    };
    let url = flow::begin(
        &store,
        project_id,
        &facts,
        redirect_uri,
        &browser::random_bytes()?,
        browser::now_ms(),
    )?;
    browser::navigate(&url)
}

/// Starts a redirect sign-in: PKCE + state + nonce, then navigates to the provider.
#[wasm_bindgen(js_name = signInWithRedirect)]
pub async fn sign_in_with_redirect(
    base_url: String,
    project_id: String,
    provider: String,
    redirect_uri: String,
    scopes: Option<Vec<String>>,
) -> Result<(), JsValue> {
    sign_in_with_redirect_impl(&base_url, &project_id, &provider, &redirect_uri, scopes)
        .await
        .map_err(to_js)
}

#[derive(serde::Serialize)]
struct CodeForm<'a> {
    provider: &'a str,
    code: &'a str,
    code_verifier: &'a str,
    redirect_uri: &'a str,
    nonce: &'a str,
}

async fn handle_redirect_callback_impl(base_url: &str, project_id: &str) -> SdkResult<JsValue> {
    let url = browser::current_url()?;
    let params = url.search_params();
    let state = params.get("state").unwrap_or_default();
    let code = params.get("code");
    let provider_error = params
        .get("error")
        .map(|e| (e, params.get("error_description").unwrap_or_default()));
    // The record is consumed first, whatever the outcome: a callback is good for one try.
    let record = flow::take(
        &WebStorage::session()?,
        project_id,
        &state,
        browser::now_ms(),
    );
    // Remove the one-time parameters from the address bar and history.
    for p in [
        "code",
        "state",
        "iss",
        "session_state",
        "error",
        "error_description",
        "error_uri",
    ] {
        params.delete(p);
    }
    browser::replace_url(&url.href())?;
    let record = record?;
    if let Some((error, description)) = provider_error {
        return Err(SdkError::new(&error, description));
    }
    let code = code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| SdkError::new(codes::INVALID_REQUEST, "the callback URL carries no code"))?;
    let code_verifier = record.code_verifier.as_deref().ok_or_else(|| {
        SdkError::new(
            codes::MISSING_CODE_VERIFIER,
            "the stored sign-in has no PKCE verifier",
        )
    })?;
    let body = serde_json::to_string(&CodeForm {
        provider: &record.provider,
        code: &code,
        code_verifier,
        redirect_uri: &record.redirect_uri,
        nonce: &record.nonce,
    })
    .map_err(|e| SdkError::new(codes::INVALID_REQUEST, e.to_string()))?;
    let answer = browser::fetch(
        "POST",
        &api(base_url, "/api/auth/login/social"),
        project_id,
        Some(&body),
    )
    .await?;
    let text = check(answer)?;
    // The JavaScript layer stamps the receipt time and stores it with the app's storage.
    js_sys::JSON::parse(&text)
        .map_err(|_| SdkError::new(codes::NETWORK_ERROR, "unreadable session"))
}

/// A nonce for flows where the app passes it to the provider itself (Google One Tap, Sign in
/// with Apple JS): `{nonce, hashedNonce}`, the raw nonce (32 CSPRNG bytes, base64url) to send
/// to Kith and its lowercase hex SHA-256 to give the provider when it wants it hashed.
#[wasm_bindgen(js_name = createNonce)]
pub fn create_nonce() -> Result<JsValue, JsValue> {
    let raw = kith_claims::pkce::random_token(&browser::random_bytes().map_err(to_js)?);
    let hashed = kith_claims::idtoken::sha256_hex(&raw);
    let obj = js_sys::Object::new();
    js_sys::Reflect::set(&obj, &"nonce".into(), &raw.into())?;
    js_sys::Reflect::set(&obj, &"hashedNonce".into(), &hashed.into())?;
    Ok(obj.into())
}

/// Completes a redirect sign-in on the redirect page; resolves to the session.
#[wasm_bindgen(js_name = handleRedirectCallback)]
pub async fn handle_redirect_callback(
    base_url: String,
    project_id: String,
) -> Result<JsValue, JsValue> {
    handle_redirect_callback_impl(&base_url, &project_id)
        .await
        .map_err(to_js)
}
