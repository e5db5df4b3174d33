//! Where sessions and sign-in flows are kept: `localStorage`, `sessionStorage`, the app's own
//! storage object, or memory (a JS object the face makes) — all through one [`KeyValue`]
//! implementation over `{getItem, setItem, removeItem}`, each failure `storage_unavailable`,
//! never a throw.
//!
//! Not `gloo-storage`: its `LocalStorage::raw()` (which every call goes through) throws a JS
//! exception through the Rust frames when the area is unavailable — private modes and
//! blocked-cookie settings make the `localStorage` getter itself throw — and its typed API
//! pulls in `serde_json`. Here the area is looked up on each use, so nothing is touched at
//! construction and a blocked area fails one call with a code.

use crate::prelude::*;

use crate::error::{codes, SdkError, SdkResult};
use crate::flow::KeyValue;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn unavailable<T>(_: T) -> SdkError {
    SdkError::new(codes::STORAGE_UNAVAILABLE, "browser storage is unavailable")
}

#[wasm_bindgen]
extern "C" {
    /// Any object with `getItem`, `setItem` and `removeItem` (Web Storage, or the app's).
    #[derive(Clone)]
    pub type JsStorage;
    #[wasm_bindgen(method, catch, structural, js_name = getItem)]
    fn get_item(this: &JsStorage, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, structural, js_name = setItem)]
    fn set_item(this: &JsStorage, key: &str, value: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, structural, js_name = removeItem)]
    fn remove_item(this: &JsStorage, key: &str) -> Result<JsValue, JsValue>;
}

/// A storage: the app's object, or the name of a Web Storage area read on each use.
pub enum Store {
    Object(JsStorage),
    Area(&'static str),
}

/// sessionStorage: where a sign-in's one-time values live (this tab only).
pub const SESSION_STORAGE: Store = Store::Area("sessionStorage");

impl Store {
    fn get(&self) -> SdkResult<JsStorage> {
        match self {
            Self::Object(o) => Ok(o.clone()),
            Self::Area(name) => Reflect::get(&super::env::global(), &(*name).into())
                .ok()
                .filter(JsValue::is_object)
                .map(JsCast::unchecked_into)
                .ok_or_else(|| unavailable(())),
        }
    }
}

impl KeyValue for Store {
    fn get(&self, key: &str) -> SdkResult<Option<String>> {
        // A storage may return null, undefined or a string; anything else is not ours.
        Ok(self.get()?.get_item(key).map_err(unavailable)?.as_string())
    }
    fn set(&self, key: &str, value: &str) -> SdkResult<()> {
        self.get()?
            .set_item(key, value)
            .map(drop)
            .map_err(unavailable)
    }
    fn remove(&self, key: &str) -> SdkResult<()> {
        self.get()?.remove_item(key).map(drop).map_err(unavailable)
    }
}

/// The `storage` option: what to keep the session in, and whether other tabs share it.
pub struct Choice {
    pub store: Store,
    pub shared: bool,
}

/// `"local"` (default), `"session"`, or an object with the three methods (the face passes
/// `"memory"` as such an object, marked `memory: true`: this tab's own).
pub fn choose(option: &JsValue) -> SdkResult<Choice> {
    let methods = ["getItem", "setItem", "removeItem"];
    let get = |k| super::convert::get(option, k);
    let custom = option.is_object() && methods.iter().all(|m| super::convert::is_function(&get(m)));
    let (store, shared) = match option.as_string().as_deref() {
        _ if custom => {
            let own = get("memory").as_bool() == Some(true);
            (Store::Object(option.clone().unchecked_into()), !own)
        }
        None if option.is_undefined() => (Store::Area("localStorage"), true),
        Some("local") => (Store::Area("localStorage"), true),
        Some("session") => (SESSION_STORAGE, false),
        _ => {
            let why = "storage must be \"local\", \"session\", \"memory\" or a Storage";
            return Err(SdkError::new(codes::INVALID_REQUEST, why));
        }
    };
    Ok(Choice { store, shared })
}
