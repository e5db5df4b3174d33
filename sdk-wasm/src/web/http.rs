//! Calls to the Kith Worker (`fetch`). Bodies are JSON made and read by the browser's own
//! `JSON`; every failure is an [`SdkError`]: the Worker's `{error, error_description}` as its
//! code, an unreachable Worker or an answer that is not Kith's JSON as `network_error`.
//!
//! An exchange is three steps the driver chains on the promises ([`Worker::fetch`], [`read`],
//! [`answer`]; see `web/driver/exchange.rs`), not an `async fn`: the module carries no
//! executor, no `Future` state machines and no `future_to_promise` glue (measured: 6.7 KB of
//! the wasm, 2.9 KB of the gzipped bundle).
//!
//! `fetch` directly, not gloo-net: gloo-net 0.6 builds every request twice (a `Request`, then a
//! `Url` and `UrlSearchParams` to merge a query we never have), `panic!`s with a `Debug`-printed
//! JS value if `fetch` resolves to something else than a `Response`, and `unreachable!`s when it
//! rejects with a non-`Error` value (a wrapped or polyfilled `fetch` can): panics that would brick
//! the SDK's instance, and ~6 KB of module and glue for one call.

use crate::prelude::*;

use super::convert::{get, get_str, lookup, lookup_raw, parse_json};
use crate::error::{codes, SdkError, SdkResult};
use crate::text::cat;
use core::cell::Cell;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `catch`: a wrapped or polyfilled `fetch` may throw instead of rejecting.
    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch(url: &str, init: &Object) -> Result<Promise, JsValue>;
}

/// The header with which the Worker names the D1 state an answer saw (README "Storage").
const BOOKMARK: &str = "kith-bookmark";

/// The Worker of one project.
pub struct Worker {
    pub base: String,
    pub project_id: String,
    /// The latest `kith-bookmark` of any answer (a JS string; `undefined` before the first):
    /// sent with `GET /api/auth/user`, so it reads a replica at least that recent.
    pub bookmark: Cell<JsValue>,
}

fn network(message: &str) -> SdkError {
    SdkError::new(codes::NETWORK_ERROR, message)
}

/// What a rejected `fetch` (or body read) means, whatever it rejected with.
pub fn unreachable() -> SdkError {
    network("the Kith Worker could not be reached")
}

/// `Retry-After` in seconds (the HTTP-date form is ignored: the back-off applies anyway).
fn retry_after(value: Option<String>) -> Option<u32> {
    let seconds = crate::text::number(value?.trim_ascii())?;
    u32::try_from(seconds).ok()
}

impl Worker {
    /// Sends `method path` with an optional JSON body (text) and bearer token: the promise of
    /// the `Response`.
    pub fn fetch(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        bearer: Option<&str>,
    ) -> SdkResult<Promise> {
        // `RequestInit` as the plain object it is (web-sys' setters are an import each).
        let set = |o: &Object, k: &str, v: &JsValue| drop(Reflect::set(o, &k.into(), v));
        let (headers, init) = (Object::new(), Object::new());
        set(&headers, "project-id", &self.project_id.as_str().into());
        if let Some(token) = bearer {
            set(&headers, "authorization", &cat(&["Bearer ", token]).into());
        }
        if path == "/api/auth/user" {
            let bookmark = self.bookmark.take();
            if bookmark.is_string() {
                set(&headers, BOOKMARK, &bookmark);
            }
            self.bookmark.set(bookmark);
        }
        set(&init, "method", &method.into());
        if let Some(body) = body {
            set(&headers, "content-type", &"application/json".into());
            set(&init, "body", &body.into());
        }
        set(&init, "headers", &headers);
        fetch(&cat(&[self.base.as_str(), path]), &init).map_err(|_| unreachable())
    }
}

/// What the answer's status line and headers say.
pub struct Head {
    status: u16,
    ok: bool,
    retry_after_s: Option<u32>,
}

/// The `Response` a [`Worker::fetch`] resolved to: its head, and the promise of its text.
pub fn read(worker: &Worker, response: &JsValue) -> SdkResult<(Head, Promise)> {
    let response: &web_sys::Response = response.dyn_ref().ok_or_else(unreachable)?;
    let headers = get(response, "headers");
    let bookmark = lookup_raw(&headers, BOOKMARK);
    if bookmark.is_string() {
        worker.bookmark.set(bookmark);
    }
    let status = get(response, "status").as_f64().unwrap_or_default();
    let head = Head {
        // A `Response`'s status is an integer of 200-599 (0 for an opaque one).
        status: status as u16,
        ok: get(response, "ok").as_bool().unwrap_or_default(),
        retry_after_s: retry_after(lookup(&headers, "retry-after")),
    };
    Ok((head, response.text().map_err(|_| unreachable())?))
}

/// The answer's JSON (`null` for an empty body, e.g. 204), or the error it carries.
pub fn answer(head: &Head, text: &JsValue) -> SdkResult<JsValue> {
    let text = text.as_string().unwrap_or_default();
    let json = match text.is_empty() {
        true => Some(JsValue::NULL),
        false => parse_json(&text),
    };
    if head.ok {
        return json.ok_or_else(|| network("the Kith Worker's answer is not JSON"));
    }
    let json = json.unwrap_or(JsValue::NULL);
    let Some(code) = get_str(&json, "error") else {
        let mut e = network("unexpected answer from the Kith Worker");
        e.status = Some(head.status);
        return Err(e);
    };
    let description = get_str(&json, "error_description").unwrap_or_default();
    let mut e = SdkError::from_worker(head.status, &code, &description);
    e.verification_token = get(&json, "verification_token").as_string();
    e.email_hint = get(&json, "email_hint").as_string();
    e.retry_after_s = head.retry_after_s;
    Err(e)
}
