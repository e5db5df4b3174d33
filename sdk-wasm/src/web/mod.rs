//! The browser half (wasm32 only): ports to the page and the `Client` exported to the JS face.
//!
//! Every method that talks to the network returns a Promise rejected with a plain
//! `{code, message, status?, verification_token?, email_hint?}` object, which `pkg/index.js` turns into a
//! `KithError`.

use crate::prelude::*;

mod api;
pub mod convert;
mod driver;
pub mod env;
pub mod http;
pub mod storage;
pub mod tabs;

use crate::error::{codes, SdkError};
use crate::secure_url::is_secure_or_loopback;
use alloc::rc::Rc;
use api::Then;
use driver::{Driver, Options, Reply, Wants};
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

const LOGIN: &str = "/api/auth/login/social";
const IDENTITIES: &str = "/api/auth/identities";

/// A bodiless call with the access token.
fn bearer_call(method: &'static str, path: String, then: Then) -> api::Call {
    api::Call {
        method,
        path,
        body: None,
        bearer: true,
        then,
    }
}

/// One Kith client (one project) in this tab.
#[wasm_bindgen]
pub struct Client(Rc<Driver>);

#[wasm_bindgen]
impl Client {
    /// `storage`: `"local"` (default), `"session"`, `"memory"` or `{getItem, setItem,
    /// removeItem}`; `emit(event, session)` receives every auth event. A `base_url` that is not
    /// https (http only on loopback) is refused: refresh tokens never travel in clear text.
    #[wasm_bindgen(constructor)]
    pub fn new(
        base_url: String,
        project_id: String,
        storage: JsValue,
        auto_refresh: bool,
        margin_s: Option<u32>,
        emit: Function,
    ) -> Result<Client, JsValue> {
        let invalid = |why: &str| convert::error_js(&SdkError::new(codes::INVALID_REQUEST, why));
        if !is_secure_or_loopback(&base_url) {
            return Err(invalid(
                "baseUrl must be an https URL (http only on localhost)",
            ));
        }
        if project_id.is_empty() {
            return Err(invalid("projectId is required"));
        }
        let storage = storage::choose(&storage).map_err(|e| convert::error_js(&e))?;
        Ok(Client(Driver::start(Options {
            worker: http::Worker {
                base: without_trailing_slashes(&base_url).to_owned(),
                project_id: project_id.clone(),
                bookmark: Default::default(),
            },
            project_id,
            storage,
            auto_refresh,
            margin_ms: margin_s.map(|s| u64::from(s) * 1000),
            emit,
        })))
    }

    /// The session while its access token is live, else `null` (never an expired one).
    pub fn session(&self) -> JsValue {
        self.0
            .session()
            .map_or(JsValue::NULL, |s| convert::session_js(&s))
    }

    /// Every asynchronous method of the JS client, by name (one export instead of a dozen
    /// keeps the module and its glue small): `options` is the method's argument.
    pub fn call(&self, method: &str, options: JsValue) -> Promise {
        Promise::new(&mut |resolve, reject| {
            dispatch(&self.0, method, &options, Reply { resolve, reject });
        })
    }

    /// Releases listeners, the timer, the channel and the lock.
    pub fn dispose(&self) {
        self.0.dispose();
    }
}

/// `url` without its trailing `/`s (a byte search: the reverse `char` searcher of
/// `trim_end_matches` is ~1 KB of wasm).
fn without_trailing_slashes(url: &str) -> &str {
    let end = url.bytes().rposition(|b| b != b'/').map_or(0, |i| i + 1);
    url.get(..end).unwrap_or(url)
}

/// Starts the call `method`; its outcome settles `reply`.
fn dispatch(d: &Rc<Driver>, method: &str, o: &JsValue, reply: Reply) {
    let call = match method {
        "getAccessToken" => return d.want(false, Wants::Token(reply)),
        "refreshSession" => return d.want(true, Wants::Session(reply)),
        "signInWithSocial" => api::id_token_call(o, LOGIN, Then::SignIn, false),
        "signInWithRedirect" => api::redirect_call(o, false),
        "handleRedirectCallback" => api::callback_call(d, o.as_string()),
        "signOut" => api::sign_out_call(convert::get_str(o, "scope")),
        "getUser" => Ok(bearer_call("GET", "/api/auth/user".into(), Then::User)),
        // Without an id_token, linking runs the redirect flow.
        "linkIdentity" if convert::get(o, "id_token").is_undefined() => api::redirect_call(o, true),
        "linkIdentity" => api::id_token_call(o, IDENTITIES, Then::User, true),
        "unlinkIdentity" => api::identity_path(o, "").map(|p| bearer_call("DELETE", p, Then::User)),
        "getProviderToken" => {
            api::identity_path(o, "/token").map(|p| bearer_call("GET", p, Then::Answer))
        }
        "verifyEmail" => api::verify_email_call(o),
        "resendVerificationEmail" => api::resend_email_call(o),
        _ => Err(SdkError::new(codes::INVALID_REQUEST, "unknown method")),
    };
    match call {
        // Signing out with no session: nothing to tell the Worker; the other tabs still hear.
        Ok(call) if matches!(call.then, Then::SignOut) && d.stored().is_none() => {
            d.feed(crate::machine::Input::SignOut);
            reply.settle(Ok(JsValue::UNDEFINED));
        }
        Ok(call) => d.run(call, Some(reply)),
        Err(e) => reply.settle(Err(e)),
    }
}

/// `{nonce, hashedNonce}` for Google One Tap / Sign in with Apple JS: give the provider
/// `hashedNonce` (or `nonce`), send `nonce` to Kith.
#[wasm_bindgen(js_name = createNonce)]
pub fn create_nonce() -> Result<JsValue, JsValue> {
    let random = env::random_bytes().map_err(|e| convert::error_js(&e))?;
    let (nonce, hashed_nonce) = crate::flow::nonce_pair(&random);
    Ok(convert::object(&[
        ("nonce", nonce.into()),
        ("hashedNonce", hashed_nonce.into()),
    ]))
}
