//! Where sessions and sign-in flows are kept: Web Storage, the app's own storage object, or
//! memory — all behind [`KeyValue`], each failure `storage_unavailable`, never a throw.
//!
//! Not `gloo-storage`: its `LocalStorage::raw()` (which every call goes through) throws a JS
//! exception through the Rust frames when the area is unavailable — private modes and
//! blocked-cookie settings make the `localStorage` getter itself throw — and its typed API
//! pulls in `serde_json`. The area is looked up on each use instead, so nothing is touched at
//! construction and a blocked area fails one call with a code.

use crate::error::{codes, SdkError, SdkResult};
use crate::flow::{KeyValue, MemoryStore};
use wasm_bindgen::prelude::*;

fn unavailable<T>(_: T) -> SdkError {
    SdkError::new(
        codes::STORAGE_UNAVAILABLE,
        "browser storage is unavailable (private mode, blocked or full)",
    )
}

/// `localStorage` or `sessionStorage`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Local,
    Session,
}

/// A Web Storage area, looked up on each use.
pub struct WebStorage(pub Area);

impl WebStorage {
    fn area(&self) -> SdkResult<web_sys::Storage> {
        let window = web_sys::window().ok_or_else(|| unavailable(()))?;
        let area = match self.0 {
            Area::Local => window.local_storage(),
            Area::Session => window.session_storage(),
        };
        area.map_err(unavailable)?.ok_or_else(|| unavailable(()))
    }
}

impl KeyValue for WebStorage {
    fn get(&self, key: &str) -> SdkResult<Option<String>> {
        self.area()?.get_item(key).map_err(unavailable)
    }
    fn set(&self, key: &str, value: &str) -> SdkResult<()> {
        self.area()?.set_item(key, value).map_err(unavailable)
    }
    fn remove(&self, key: &str) -> SdkResult<()> {
        self.area()?.remove_item(key).map_err(unavailable)
    }
}

#[wasm_bindgen]
extern "C" {
    /// The app's storage: any object with `getItem`, `setItem` and `removeItem`.
    pub type JsStorage;
    #[wasm_bindgen(method, catch, structural, js_name = getItem)]
    fn get_item(this: &JsStorage, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, structural, js_name = setItem)]
    fn set_item(this: &JsStorage, key: &str, value: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, structural, js_name = removeItem)]
    fn remove_item(this: &JsStorage, key: &str) -> Result<JsValue, JsValue>;
}

impl KeyValue for JsStorage {
    fn get(&self, key: &str) -> SdkResult<Option<String>> {
        // A storage may return null, undefined or a string; anything else is not a session.
        Ok(self.get_item(key).map_err(unavailable)?.as_string())
    }
    fn set(&self, key: &str, value: &str) -> SdkResult<()> {
        self.set_item(key, value).map(drop).map_err(unavailable)
    }
    fn remove(&self, key: &str) -> SdkResult<()> {
        self.remove_item(key).map(drop).map_err(unavailable)
    }
}

/// The `storage` option: what to keep the session in, and whether other tabs share it.
pub struct Choice {
    pub store: Box<dyn KeyValue>,
    pub shared: bool,
}

/// `"local"` (default), `"session"`, `"memory"`, or an object with the three methods.
pub fn choose(option: &JsValue) -> SdkResult<Choice> {
    let methods = ["getItem", "setItem", "removeItem"];
    let custom = option.is_object()
        && methods
            .iter()
            .all(|m| super::convert::is_function(&super::convert::get(option, m)));
    let (store, shared): (Box<dyn KeyValue>, bool) = match option.as_string().as_deref() {
        _ if custom => (Box::new(option.clone().unchecked_into::<JsStorage>()), true),
        None if option.is_undefined() => (Box::new(WebStorage(Area::Local)), true),
        Some("local") => (Box::new(WebStorage(Area::Local)), true),
        Some("session") => (Box::new(WebStorage(Area::Session)), false),
        Some("memory") => (Box::new(MemoryStore::default()), false),
        _ => return Err(SdkError::new(
            codes::INVALID_REQUEST,
            "storage must be \"local\", \"session\", \"memory\" or {getItem, setItem, removeItem}",
        )),
    };
    Ok(Choice { store, shared })
}
