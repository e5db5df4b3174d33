//! The browser ports the core needs: sessionStorage and the CSPRNG. Each failure maps to a
//! stable SDK code; nothing here panics.

use crate::error::{codes, SdkError, SdkResult};
use crate::flow::KeyValue;
use wasm_bindgen::JsValue;

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
