//! The page around the SDK: clock, CSPRNG, one timer, online and visibility events.
//!
//! Properties are read with `Reflect.get` ([`prop`]), not web-sys' getters: each getter is an
//! import of its own, with glue in the JS file (measured: 16 getters, ~0.4 KB gzip).

use crate::prelude::*;

use super::convert::{get as prop, get_str};
use crate::error::{codes, SdkError, SdkResult};
use core::cell::Cell;
use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
    // The page's global directly, not through `js_sys::global()` / `web_sys::window()`, which
    // probe four names (`self`, `window`, `globalThis`, `global`) and test `instanceof Window`:
    // five imports and their glue for what every browser with wasm reference types has.
    // Read as the getter `globalThis.globalThis` (the same object) rather than a
    // `thread_local_v2` static, whose lazy cell links a poisoning panic path.
    type Global;
    #[wasm_bindgen(static_method_of = Global, js_class = globalThis, js_name = globalThis, getter)]
    fn get() -> JsValue;
}

/// `globalThis`.
pub fn global() -> JsValue {
    Global::get()
}

/// `window`, where there is one (`globalThis.window`: a worker has none).
fn browser_window() -> Option<web_sys::Window> {
    let window = prop(&global(), "window");
    window.is_object().then(|| window.unchecked_into())
}

/// The device's clock in ms since the epoch (an integer: no float reaches the core).
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Fills `bytes` from `crypto.getRandomValues`, the browser's CSPRNG.
fn fill(bytes: &mut [u8]) -> SdkResult<()> {
    let crypto = browser_window().map(|w| prop(&w, "crypto"));
    crypto
        .filter(JsValue::is_object)
        .map(JsCast::unchecked_into::<web_sys::Crypto>)
        .and_then(|c| c.get_random_values_with_u8_array(bytes).ok())
        .map(drop)
        .ok_or_else(|| {
            SdkError::new(
                codes::INVALID_REQUEST,
                "crypto.getRandomValues is unavailable",
            )
        })
}

/// Random bytes (PKCE verifier, state, nonce, tab id).
pub fn random_bytes<const N: usize>() -> SdkResult<[u8; N]> {
    let mut bytes = [0u8; N];
    fill(&mut bytes)?;
    Ok(bytes)
}

/// The session machine's randomness (back-off jitter): the browser's CSPRNG as a
/// `rand_core::RngCore`. (Not getrandom's `js` backend: it carries a Node.js path —
/// `require("crypto")`, `process.versions` — nine more imports for a module that runs in
/// browsers only.) A failing CSPRNG leaves zeros: the jitter is then minimal, never a panic.
pub struct BrowserRng;

impl rand_core::RngCore for BrowserRng {
    fn next_u32(&mut self) -> u32 {
        u32::from_le_bytes(random_bytes().unwrap_or_default())
    }
    fn next_u64(&mut self) -> u64 {
        u64::from_le_bytes(random_bytes().unwrap_or_default())
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let _ = fill(dest);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        fill(dest).map_err(|_| rand_core::Error::from(core::num::NonZeroU32::MIN))
    }
}

pub fn window() -> SdkResult<web_sys::Window> {
    browser_window()
        .ok_or_else(|| SdkError::new(codes::INVALID_REQUEST, "this call needs a browser window"))
}

/// `navigator.onLine` (true where unknown).
pub fn online() -> bool {
    let navigator = browser_window().map(|w| prop(&w, "navigator"));
    navigator.is_none_or(|n| prop(&n, "onLine").as_bool() != Some(false))
}

/// Whether the page is visible (true where unknown).
pub fn visible() -> bool {
    let document = browser_window().map(|w| prop(&w, "document"));
    document.is_none_or(|d| get_str(&d, "visibilityState").as_deref() != Some("hidden"))
}

/// One re-armable timer calling the driver's event handler (with no event).
#[derive(Default)]
pub struct Timer(Cell<Option<JsValue>>);

impl Timer {
    /// Fires `callback` once at `at` (device ms), replacing any earlier arming; `None` disarms.
    pub fn arm(&self, callback: &Function, at: Option<u64>, now: u64) {
        if let Some(handle) = self.0.take() {
            clear_timeout(&handle);
        }
        if let Some(at) = at {
            // setTimeout takes at most 2^31-1 ms; a later deadline just re-arms on firing.
            let delay = at.saturating_sub(now).min(0x7fff_ffff);
            self.0.set(Some(set_timeout(callback, delay as f64)));
        }
    }
}

/// The page events the session machine listens to, on `window` and `document`.
pub const EVENTS: [&str; 3] = ["online", "offline", "visibilitychange"];

/// Adds (or, with `add: false`, removes) `handler` for [`EVENTS`].
pub fn listen(handler: &Function, add: bool) {
    let Some(window) = browser_window() else {
        return;
    };
    let document = Some(prop(&window, "document"))
        .filter(JsValue::is_object)
        .map(JsCast::unchecked_into::<web_sys::EventTarget>);
    let window: web_sys::EventTarget = window.into();
    for (i, event) in EVENTS.iter().enumerate() {
        let target = if i < 2 {
            Some(&window)
        } else {
            document.as_ref()
        };
        if let Some(target) = target {
            let _ = match add {
                true => target.add_event_listener_with_callback(event, handler),
                false => target.remove_event_listener_with_callback(event, handler),
            };
        }
    }
}

/// The parameters a provider sends back to the redirect page.
pub struct Callback {
    pub state: String,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: String,
    /// Apple's first-login `user` JSON, relayed by the Worker from its form_post.
    pub user: Option<String>,
    /// The same URL without the sign-in's one-time parameters.
    pub cleaned: String,
}

/// The query parameters that belong to the sign-in and nothing else (RFC 6749 section 4.1.2,
/// RFC 9207 `iss`, OIDC session management `session_state`, Apple's relayed `user`). Leaving `code` and `state` in
/// the address bar would put them in the history, bookmarks and the next `Referer`.
const ONE_TIME: [&str; 8] = [
    "code",
    "user",
    "state",
    "iss",
    "session_state",
    "error",
    "error_description",
    "error_uri",
];

/// Reads a callback URL with the browser's own URL parser (the first of repeated parameters
/// wins: a second `state` cannot override the first).
pub fn callback(url: &str) -> SdkResult<Callback> {
    let url = web_sys::Url::new(url)
        .map_err(|_| SdkError::new(codes::INVALID_REQUEST, "the callback URL is not a URL"))?;
    let query: web_sys::UrlSearchParams = prop(&url, "searchParams").unchecked_into();
    let read = |key| super::convert::lookup(&query, key);
    let callback = Callback {
        state: read("state").unwrap_or_default(),
        code: read("code"),
        error: read("error"),
        error_description: read("error_description").unwrap_or_default(),
        user: read("user"),
        cleaned: String::new(),
    };
    for key in ONE_TIME {
        query.delete(key);
    }
    Ok(Callback {
        cleaned: get_str(&url, "href").unwrap_or_default(),
        ..callback
    })
}
