//! The browser ports: Web Storage, the CSPRNG, `fetch`, location and history.
//! Each failure maps to a stable SDK code; nothing here panics.

use crate::error::{codes, SdkError, SdkResult};
use crate::flow::KeyValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn window() -> SdkResult<web_sys::Window> {
    web_sys::window()
        .ok_or_else(|| SdkError::new(codes::INVALID_REQUEST, "this call needs a browser window"))
}

/// A Web Storage area as a [`KeyValue`]. Every access is checked: private modes and blocked
/// storage throw, full storage throws on write; all become `storage_unavailable`.
pub struct WebStorage(web_sys::Storage);

fn unavailable(_: JsValue) -> SdkError {
    SdkError::new(
        codes::STORAGE_UNAVAILABLE,
        "browser storage is unavailable (private mode, blocked or full)",
    )
}

impl WebStorage {
    /// `sessionStorage`: where a sign-in's one-time values live (this tab only).
    pub fn session() -> SdkResult<Self> {
        window()?
            .session_storage()
            .map_err(unavailable)?
            .map(Self)
            .ok_or_else(|| {
                SdkError::new(codes::STORAGE_UNAVAILABLE, "browser storage is unavailable")
            })
    }
}

impl KeyValue for WebStorage {
    fn get(&self, key: &str) -> SdkResult<Option<String>> {
        self.0.get_item(key).map_err(unavailable)
    }
    fn set(&self, key: &str, value: &str) -> SdkResult<()> {
        self.0.set_item(key, value).map_err(unavailable)
    }
    fn remove(&self, key: &str) -> SdkResult<()> {
        self.0.remove_item(key).map_err(unavailable)
    }
}

/// Bytes from `crypto.getRandomValues` (the browser's CSPRNG).
pub fn random_bytes<const N: usize>() -> SdkResult<[u8; N]> {
    let mut bytes = [0u8; N];
    window()?
        .crypto()
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes))
        .map_err(|_| {
            SdkError::new(
                codes::INVALID_REQUEST,
                "crypto.getRandomValues is unavailable",
            )
        })?;
    Ok(bytes)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The current page URL.
pub fn current_url() -> SdkResult<web_sys::Url> {
    let href = window()?
        .location()
        .href()
        .map_err(|_| SdkError::new(codes::INVALID_REQUEST, "no location"))?;
    web_sys::Url::new(&href)
        .map_err(|_| SdkError::new(codes::INVALID_REQUEST, "unparseable location"))
}

/// Navigates away.
pub fn navigate(url: &str) -> SdkResult<()> {
    window()?
        .location()
        .assign(url)
        .map_err(|_| SdkError::new(codes::INVALID_REQUEST, "navigation refused"))
}

/// Replaces the current history entry's URL (removes `code` and `state` after a callback,
/// so a reload or a shared link cannot replay them).
pub fn replace_url(url: &str) -> SdkResult<()> {
    window()?
        .history()
        .and_then(|h| h.replace_state_with_url(&JsValue::NULL, "", Some(url)))
        .map_err(|_| SdkError::new(codes::INVALID_REQUEST, "history.replaceState refused"))
}

/// A Worker answer: the status and the body text.
pub struct Answer {
    pub status: u16,
    pub text: String,
}

fn network(e: JsValue) -> SdkError {
    let detail = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "request failed".into());
    SdkError::new(codes::NETWORK_ERROR, detail)
}

/// `fetch` with the project header and an optional JSON body.
pub async fn fetch(
    method: &str,
    url: &str,
    project_id: &str,
    body: Option<&str>,
) -> SdkResult<Answer> {
    let headers = js_sys::Object::new();
    let set = |k: &str, v: &str| js_sys::Reflect::set(&headers, &k.into(), &v.into()).map(|_| ());
    set("project-id", project_id).map_err(network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        set("content-type", "application/json").map_err(network)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let promise = window()?.fetch_with_str_and_init(url, &init);
    let resp: web_sys::Response = JsFuture::from(promise)
        .await
        .map_err(network)?
        .unchecked_into();
    let text = JsFuture::from(resp.text().map_err(network)?)
        .await
        .map_err(network)?;
    Ok(Answer {
        status: resp.status(),
        text: text.as_string().unwrap_or_default(),
    })
}
