//! Values crossing between Rust and JavaScript: plain objects written and read property by
//! property (JSON through the browser's own `JSON.parse`/`stringify`); the user object passes
//! through untouched.
//!
//! Not serde-wasm-bindgen, measured: its serializer (a field-name cache in a hash map) and the
//! derived impls cost 3.5 KB of the gzipped bundle for four flat shapes, and its deserializer's
//! type-mismatch path formats floats and `Debug`s JS values (~10 KB of formatting machinery for
//! a message nobody reads). The typed reads here fail as `None` instead.

use crate::prelude::*;

use crate::error::{codes, SdkError};
use crate::machine::{AuthEvent, Peer};
use crate::session::{RefreshToken, Session};
use js_sys::{Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

pub type JsSession = Session<JsValue>;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Headers` and `URLSearchParams`, seen through their one common method.
    pub type Lookup;
    /// `this.get(name)`: a string or `null` (one import for both, and no string out-pointer).
    #[wasm_bindgen(method, catch, structural, js_name = get)]
    fn lookup(this: &Lookup, name: &str) -> Result<JsValue, JsValue>;
}

/// `lookup.get(name)` as a string (`null`, a throw or anything else: `None`).
pub fn lookup(lookup: &JsValue, name: &str) -> Option<String> {
    lookup_raw(lookup, name).as_string()
}

/// `lookup.get(name)` as the JS value it is (a throw: `undefined`).
pub fn lookup_raw(lookup: &JsValue, name: &str) -> JsValue {
    let lookup: &Lookup = lookup.unchecked_ref();
    lookup.lookup(name).unwrap_or(JsValue::UNDEFINED)
}

pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The elements of an array (anything else: none), read by index with `Reflect.get`: no
/// `Array.from`, `length` and indexing imports of their own.
pub fn items(v: &JsValue) -> impl Iterator<Item = JsValue> + '_ {
    let len = match js_sys::Array::is_array(v) {
        true => get_u64(v, "length").unwrap_or_default(),
        false => 0,
    };
    (0..len)
        .map(move |i| Reflect::get(v, &JsValue::from_f64(i as f64)).unwrap_or(JsValue::UNDEFINED))
}

pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

/// A non-negative integer property (`Number`); fractions are truncated.
pub fn get_u64(obj: &JsValue, key: &str) -> Option<u64> {
    get(obj, key)
        .as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n as u64)
}

/// A required string option, else `invalid_request` naming it.
pub fn required(obj: &JsValue, key: &'static str) -> Result<String, SdkError> {
    get_str(obj, key).filter(|s| !s.is_empty()).ok_or_else(|| {
        SdkError::new(
            codes::INVALID_REQUEST,
            crate::text::cat(&[key, " is required"]),
        )
    })
}

pub fn parse_json(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

pub fn stringify(value: &JsValue) -> String {
    JSON::stringify(value).map(String::from).unwrap_or_default()
}

/// A plain object from `(key, value)` pairs (`undefined` values left out).
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = js_sys::Object::new();
    for (k, v) in fields {
        if !v.is_undefined() {
            let _ = Reflect::set(&obj, &JsValue::from_str(k), v);
        }
    }
    obj.into()
}

fn num(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub fn session_js(s: &JsSession) -> JsValue {
    object(&[
        ("access_token", s.access_token.as_str().into()),
        ("token_type", "bearer".into()),
        ("expires_in", num(s.expires_in)),
        ("expires_at", num(s.expires_at)),
        ("refresh_token", s.refresh_token.secret().into()),
        ("user", s.user.clone()),
        ("received_at", num(s.received_at)),
        ("generation", num(s.generation)),
    ])
}

/// A session from the Worker's answer (`received_at` absent: stamped `now`) or from storage.
pub fn read_session(v: &JsValue, now: u64) -> Option<JsSession> {
    let user = get(v, "user");
    Some(Session {
        access_token: get_str(v, "access_token")?,
        refresh_token: RefreshToken::new(get_str(v, "refresh_token")?),
        expires_in: get_u64(v, "expires_in")?,
        expires_at: get_u64(v, "expires_at").unwrap_or_default(),
        received_at: get_u64(v, "received_at").unwrap_or(now),
        generation: get_u64(v, "generation").unwrap_or_default(),
        user: if user.is_object() { user } else { return None },
    })
}

pub fn error_js(e: &SdkError) -> JsValue {
    let opt = |v: &Option<String>| v.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str);
    object(&[
        ("code", e.code.as_str().into()),
        ("message", e.message.as_str().into()),
        ("status", e.status.map_or(JsValue::UNDEFINED, |s| s.into())),
        ("verification_token", opt(&e.verification_token)),
        ("email_hint", opt(&e.email_hint)),
    ])
}

/// Our own error object back from a rejected promise (anything else: `network_error`).
pub fn error_from_js(v: &JsValue) -> SdkError {
    match get_str(v, "code") {
        Some(code) => SdkError {
            status: get_u64(v, "status").and_then(|s| u16::try_from(s).ok()),
            ..SdkError::new(&code, get_str(v, "message").unwrap_or_default())
        },
        None => SdkError::new(codes::NETWORK_ERROR, "unexpected failure"),
    }
}

/// A tab message on the wire: `{t: "s", event, session}`, `{t: "o"}`, `{t: "c", tab, gen, held}`.
pub fn peer_js(p: &Peer<JsValue>) -> JsValue {
    match p {
        Peer::Session { event, session } => object(&[
            ("t", "s".into()),
            ("event", event.as_str().into()),
            ("session", session_js(session)),
        ]),
        Peer::SignedOut => object(&[("t", "o".into())]),
        Peer::Claim { tab, gen, held } => object(&[
            ("t", "c".into()),
            ("tab", (*tab).into()),
            ("gen", num(*gen)),
            ("held", (*held).into()),
        ]),
    }
}

fn event_from(name: &str) -> Option<AuthEvent> {
    [
        AuthEvent::SignedIn,
        AuthEvent::TokenRefreshed,
        AuthEvent::UserUpdated,
    ]
    .into_iter()
    .find(|e| e.as_str() == name)
}

/// A message from another tab; anything malformed is `None` (and ignored).
pub fn read_peer(data: &JsValue, now: u64) -> Option<Peer<JsValue>> {
    match get_str(data, "t")?.as_str() {
        "s" => Some(Peer::Session {
            event: event_from(&get_str(data, "event")?)?,
            session: read_session(&get(data, "session"), now)?,
        }),
        "o" => Some(Peer::SignedOut),
        "c" => Some(Peer::Claim {
            tab: u32::try_from(get_u64(data, "tab")?).ok()?,
            gen: get_u64(data, "gen")?,
            held: get(data, "held").as_bool()?,
        }),
        _ => None,
    }
}

/// `value` is a JS function.
pub fn is_function(value: &JsValue) -> bool {
    value.is_instance_of::<js_sys::Function>()
}
