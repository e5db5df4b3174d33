//! # kith-sdk
//!
//! The security core of Kith's browser SDK, compiled to WebAssembly and wrapped by the npm
//! package in `pkg/` (which owns the JavaScript API of CONTRACT.md, the network calls and the
//! session). This crate makes the one-time values of a redirect sign-in — PKCE verifier (S256),
//! state and nonce — from the browser's CSPRNG, keeps them single-use for 10 minutes in
//! sessionStorage, and gives them back exactly once to the callback that presents the state.
//!
//! It verifies no signatures (the Worker does), and it is kept free of JSON, futures and
//! formatting machinery so the module stays small.
#![forbid(unsafe_code)]

pub mod browser;
pub mod error;
pub mod flow;

use browser::WebStorage;
use error::SdkError;
use wasm_bindgen::prelude::*;

/// The module's allocator: `lol_alloc`'s free list behind a spin lock (safe to construct; the
/// lock is never contended in a single-threaded page).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(obj, &key.into(), value);
}

fn to_js(e: SdkError) -> JsValue {
    let obj = js_sys::Object::new();
    set(&obj, "code", &e.code.into());
    set(&obj, "message", &e.message.into());
    obj.into()
}

/// Starts a redirect sign-in: makes PKCE (S256), state and nonce from the CSPRNG, stores them
/// single-use in sessionStorage and returns the authorization URL to navigate to.
#[wasm_bindgen(js_name = beginRedirect)]
pub fn begin_redirect(
    project_id: &str,
    provider: &str,
    client_id: &str,
    authorization_endpoint: &str,
    scopes: Vec<String>,
    redirect_uri: &str,
) -> Result<String, JsValue> {
    let store = WebStorage::session().map_err(to_js)?;
    let facts = flow::ProviderFacts {
        provider,
        client_id,
        authorization_endpoint,
        scopes: &scopes,
    };
    let random = browser::random_bytes().map_err(to_js)?;
    flow::begin(
        &store,
        project_id,
        &facts,
        redirect_uri,
        &random,
        browser::now_ms(),
    )
    .map_err(to_js)
}

/// Takes the sign-in a callback's `state` belongs to — once: `{provider, redirect_uri,
/// code_verifier, nonce}`; an unknown, used or expired state throws `state_mismatch`.
#[wasm_bindgen(js_name = takeRedirect)]
pub fn take_redirect(project_id: &str, state: &str) -> Result<JsValue, JsValue> {
    let store = WebStorage::session().map_err(to_js)?;
    let record = flow::take(&store, project_id, state, browser::now_ms()).map_err(to_js)?;
    let obj = js_sys::Object::new();
    set(&obj, "provider", &record.provider.into());
    set(&obj, "redirect_uri", &record.redirect_uri.into());
    set(&obj, "nonce", &record.nonce.into());
    if let Some(v) = record.code_verifier {
        set(&obj, "code_verifier", &v.into());
    }
    Ok(obj.into())
}

/// A nonce for flows where the app passes it to the provider itself (Google One Tap, Sign in
/// with Apple JS): `{nonce, hashedNonce}`, the raw nonce (32 CSPRNG bytes, base64url) to send
/// to Kith and its lowercase hex SHA-256 to give the provider when it wants it hashed.
#[wasm_bindgen(js_name = createNonce)]
pub fn create_nonce() -> Result<JsValue, JsValue> {
    let raw = kith_claims::oauth::random_token(&browser::random_bytes().map_err(to_js)?);
    let hashed = kith_claims::hex::sha256_hex(&raw);
    let obj = js_sys::Object::new();
    set(&obj, "nonce", &raw.into());
    set(&obj, "hashedNonce", &hashed.into());
    Ok(obj.into())
}
