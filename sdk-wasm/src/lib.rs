//! # kith-sdk
//!
//! The browser half of Kith, compiled to WebAssembly and wrapped by the npm package in
//! `pkg/` (which owns the JavaScript API of CONTRACT.md). This crate makes the one-time
//! values of a sign-in (PKCE S256, state, nonce) from the browser's CSPRNG, keeps them
//! single-use in sessionStorage, talks to the Worker and stores the session.
//!
//! It verifies no signatures: the Worker does, so the SDK carries no RSA/ECDSA code.
#![forbid(unsafe_code)]

pub mod browser;
pub mod error;
pub mod flow;

use browser::WebStorage;
use error::{codes, SdkError, SdkResult};
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

/// JSON through the browser's own parser: the SDK carries no JSON library.
mod js_json {
    use wasm_bindgen::JsValue;

    pub fn parse(text: &str) -> Option<JsValue> {
        js_sys::JSON::parse(text).ok().filter(JsValue::is_object)
    }

    pub fn get(obj: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
    }

    pub fn string(obj: &JsValue, key: &str) -> Option<String> {
        get(obj, key).as_string()
    }

    pub fn strings(obj: &JsValue, key: &str) -> Vec<String> {
        let v = get(obj, key);
        if !js_sys::Array::is_array(&v) {
            return Vec::new();
        }
        js_sys::Array::from(&v)
            .iter()
            .filter_map(|s| s.as_string())
            .collect()
    }

    /// `JSON.stringify` of an object made from string pairs.
    pub fn object(pairs: &[(&str, &str)]) -> Option<String> {
        let obj = js_sys::Object::new();
        for (k, v) in pairs {
            js_sys::Reflect::set(&obj, &(*k).into(), &(*v).into()).ok()?;
        }
        js_sys::JSON::stringify(&obj).ok()?.as_string()
    }
}

/// Reads a Worker answer: 2xx bodies are returned, error bodies become their code.
fn check(answer: browser::Answer) -> SdkResult<String> {
    if (200..300).contains(&answer.status) {
        return Ok(answer.text);
    }
    let wire = js_json::parse(&answer.text);
    let mut err = match wire.as_ref().and_then(|w| js_json::string(w, "error")) {
        Some(code) => SdkError::new(
            &code,
            wire.as_ref()
                .and_then(|w| js_json::string(w, "error_description"))
                .unwrap_or_default(),
        ),
        None => SdkError::new(
            codes::NETWORK_ERROR,
            format!("unexpected HTTP {} from the Kith Worker", answer.status),
        ),
    };
    err.status = Some(answer.status);
    Err(err)
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
    let list = js_json::parse(&check(answer)?)
        .ok_or_else(|| SdkError::new(codes::NETWORK_ERROR, "unreadable provider list"))?;
    let providers = js_json::get(&list, "providers");
    let entry = js_sys::Array::is_array(&providers)
        .then(|| {
            js_sys::Array::from(&providers)
                .iter()
                .find(|p| js_json::string(p, "provider").as_deref() == Some(provider))
        })
        .flatten()
        .ok_or_else(|| {
            SdkError::new(
                "provider_not_enabled",
                format!("the provider \"{provider}\" is not enabled"),
            )
        })?;
    let client_id = js_json::string(&entry, "client_id").unwrap_or_default();
    let authorization_endpoint =
        js_json::string(&entry, "authorization_endpoint").unwrap_or_default();
    let scopes = scopes
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| js_json::strings(&entry, "scopes"));
    let facts = flow::ProviderFacts {
        provider,
        client_id: &client_id,
        authorization_endpoint: &authorization_endpoint,
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
    // The code form of POST /api/auth/login/social.
    let body = js_json::object(&[
        ("provider", &record.provider),
        ("code", &code),
        ("code_verifier", code_verifier),
        ("redirect_uri", &record.redirect_uri),
        ("nonce", &record.nonce),
    ])
    .ok_or_else(|| SdkError::new(codes::INVALID_REQUEST, "could not encode the sign-in"))?;
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
