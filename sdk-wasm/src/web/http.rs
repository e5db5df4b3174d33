//! Calls to the Kith Worker (`fetch`). Bodies are JSON made and read by the browser's own
//! `JSON`; every failure is an [`SdkError`]: the Worker's `{error, error_description}` as its
//! code, an unreachable Worker or an answer that is not Kith's JSON as `network_error`.
//!
//! `fetch` directly, not gloo-net: gloo-net 0.6 builds every request twice (a `Request`, then a
//! `Url` and `UrlSearchParams` to merge a query we never have), `panic!`s with a `Debug`-printed
//! JS value if `fetch` resolves to something else than a `Response`, and `unreachable!`s when it
//! rejects with a non-`Error` value (a wrapped or polyfilled `fetch` can): panics that would brick
//! the SDK's instance, and ~6 KB of module and glue for one call.

use super::convert::{get, get_str, parse_json};
use crate::error::{codes, SdkError, SdkResult};
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch(url: &str, init: &web_sys::RequestInit) -> Promise;
}

/// The Worker of one project.
pub struct Worker {
    pub base: String,
    pub project_id: String,
}

fn network(message: &str) -> SdkError {
    SdkError::new(codes::NETWORK_ERROR, message)
}

/// `Retry-After` in seconds (the HTTP-date form is ignored: the back-off applies anyway).
fn retry_after(value: Option<String>) -> Option<u32> {
    value?.trim().parse().ok()
}

impl Worker {
    /// Calls `method path` with an optional JSON body (text) and bearer token; the answer's
    /// JSON (`null` for an empty body, e.g. 204).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        bearer: Option<String>,
    ) -> SdkResult<JsValue> {
        let headers = Object::new();
        let set = |k: &str, v: &str| drop(Reflect::set(&headers, &k.into(), &v.into()));
        set("project-id", &self.project_id);
        if let Some(token) = &bearer {
            set("authorization", &["Bearer ", token].concat());
        }
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(body) = &body {
            set("content-type", "application/json");
            init.set_body(&body.into());
        }
        init.set_headers(&headers);
        let url = [self.base.as_str(), path].concat();
        let unreachable = |_| network("the Kith Worker could not be reached");
        let answer = JsFuture::from(fetch(&url, &init))
            .await
            .map_err(unreachable)?;
        let response: web_sys::Response = answer.dyn_into().map_err(unreachable)?;
        let text = response.text().map_err(unreachable)?;
        let text = JsFuture::from(text).await.map_err(unreachable)?;
        let text = text.as_string().unwrap_or_default();
        let json = match text.is_empty() {
            true => Some(JsValue::NULL),
            false => parse_json(&text),
        };
        if response.ok() {
            return json.ok_or_else(|| network("the Kith Worker's answer is not JSON"));
        }
        let status = response.status();
        let json = json.unwrap_or(JsValue::NULL);
        let Some(code) = get_str(&json, "error") else {
            let mut e = network("unexpected answer from the Kith Worker");
            e.status = Some(status);
            return Err(e);
        };
        let description = get_str(&json, "error_description").unwrap_or_default();
        let mut e = SdkError::from_worker(status, &code, &description);
        e.verification_token = get(&json, "verification_token").as_string();
        e.email_hint = get(&json, "email_hint").as_string();
        e.retry_after_s = retry_after(response.headers().get("retry-after").ok().flatten());
        Err(e)
    }
}
