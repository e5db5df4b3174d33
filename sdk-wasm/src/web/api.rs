//! The client's calls, each a short sequence over the driver's ports (CONTRACT "JS API").
//!
//! Most calls are one request to the Worker: they are described by a [`Call`], which the
//! driver's exchange runs (`driver/exchange.rs`), and its answer goes to [`then`].

use crate::prelude::*;

use super::convert::{get, get_str, items, read_session, required, session_js, stringify};
use super::driver::Driver;
use super::env;
use super::storage::SESSION_STORAGE;
use crate::claims::{append_params, form_encode, merge_scopes, ProviderKind, RELAY_PREFIX};
use crate::error::{codes, SdkError, SdkResult};
use crate::flow::{self, Answer, ProviderFacts};
use crate::machine::Input;
use crate::text::cat;
use alloc::rc::Rc;
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A flat JSON object of strings (absent values left out), as text.
pub fn json_body(fields: &[(&str, Option<&str>)]) -> Option<String> {
    let obj = Object::new();
    for (key, value) in fields {
        if let Some(value) = value {
            let _ = Reflect::set(&obj, &(*key).into(), &(*value).into());
        }
    }
    Some(stringify(&obj))
}

pub fn not_a_session() -> SdkError {
    SdkError::new(codes::NETWORK_ERROR, "the answer is not a session")
}

/// What to do with the Worker's answer.
pub enum Then {
    /// It is a session of this tab's sign-in.
    SignIn,
    /// It is the user: update the session's (also after linking by redirect).
    User,
    /// Hand it to the app as it is.
    Answer,
    /// It is the provider list: start the redirect flow and navigate.
    Redirect(Redirect),
    /// Sign out here and in every tab (also when the Worker no longer knows the session).
    SignOut,
    /// It is the refreshed session the machine asked for with this request id.
    Refresh(u32),
}

/// A redirect flow about to start.
pub struct Redirect {
    provider: String,
    redirect_uri: String,
    scopes: Vec<String>,
    link: bool,
}

/// One request to the Worker.
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub body: Option<String>,
    /// Sent with a live access token (refreshed first if need be).
    pub bearer: bool,
    pub then: Then,
}

/// Keeps a session this tab obtained: stored first (a sign-in that cannot be stored fails as a
/// whole), then handed to the machine (events, other tabs).
fn signed_in(d: &Rc<Driver>, answer: &JsValue) -> SdkResult<JsValue> {
    let session = read_session(answer, env::now_ms()).ok_or_else(not_a_session)?;
    d.save(Some(&session))?;
    let out = session_js(&session);
    d.feed(Input::SignedIn(session));
    Ok(out)
}

/// What a call's answer (or failure) means, for the caller.
#[inline(never)]
pub fn then(d: &Rc<Driver>, then: Then, answer: SdkResult<JsValue>) -> SdkResult<JsValue> {
    let answer = match (then, answer) {
        (Then::Refresh(request), answer) => {
            let now = env::now_ms();
            let result = answer.and_then(|v| read_session(&v, now).ok_or_else(not_a_session));
            d.feed(Input::Answer { request, result });
            return Ok(JsValue::UNDEFINED);
        }
        (Then::SignOut, Err(e)) if !e.ends_session() => return Err(e),
        (Then::SignOut, _) => {
            d.feed(Input::SignOut);
            return Ok(JsValue::UNDEFINED);
        }
        (then, answer) => (then, answer?),
    };
    match answer {
        (Then::SignIn, answer) => signed_in(d, &answer),
        (Then::User, user) => {
            let stale = d
                .stored()
                .is_some_and(|s| stringify(&s.user) != stringify(&user));
            if stale && user.is_object() {
                d.feed(Input::UserUpdated(user.clone()));
            }
            Ok(user)
        }
        (Then::Redirect(plan), providers) => navigate(d, plan, &providers),
        (_, answer) => Ok(answer),
    }
}

/// `signInWithSocial` / `linkIdentity` with an id_token: CONTRACT's id_token form.
pub fn id_token_call(o: &JsValue, path: &str, then: Then, bearer: bool) -> SdkResult<Call> {
    let (provider, id_token) = (required(o, "provider")?, required(o, "id_token")?);
    let nonce = get_str(o, "nonce").filter(|n| !n.is_empty());
    let fields = [
        ("provider", Some(provider.as_str())),
        ("id_token", Some(id_token.as_str())),
        ("nonce", nonce.as_deref()),
    ];
    Ok(Call {
        method: "POST",
        path: path.into(),
        body: json_body(&fields),
        bearer,
        then,
    })
}

/// `/api/auth/identities/{provider}{suffix}`.
pub fn identity_path(o: &JsValue, suffix: &str) -> SdkResult<String> {
    let provider = form_encode(&required(o, "provider")?);
    Ok(cat(&["/api/auth/identities/", &provider, suffix]))
}

/// The strings of an array (anything else: none).
fn strings(v: &JsValue) -> Vec<String> {
    let mut out = Vec::new();
    for item in items(v) {
        if let Some(s) = item.as_string() {
            out.push(s);
        }
    }
    out
}

/// `verifyEmail({verification_token, code})`: the session it completes.
pub fn verify_email_call(o: &JsValue) -> SdkResult<Call> {
    let (token, code) = (required(o, "verification_token")?, required(o, "code")?);
    let fields = [
        ("verification_token", Some(token.as_str())),
        ("code", Some(code.as_str())),
    ];
    Ok(Call {
        method: "POST",
        path: "/api/auth/verify-email".into(),
        body: json_body(&fields),
        bearer: false,
        then: Then::SignIn,
    })
}

/// `resendVerificationEmail({verification_token})`: a new code to the same address (the
/// old one stops working); resolves when the Worker sent it.
pub fn resend_email_call(o: &JsValue) -> SdkResult<Call> {
    let token = required(o, "verification_token")?;
    Ok(Call {
        method: "POST",
        path: "/api/auth/verify-email/resend".into(),
        body: json_body(&[("verification_token", Some(token.as_str()))]),
        bearer: false,
        then: Then::Answer,
    })
}

/// A redirect flow (sign-in, or linking when `link`) starts with the provider list.
pub fn redirect_call(o: &JsValue, link: bool) -> SdkResult<Call> {
    let provider = required(o, "provider")?;
    let redirect_uri = match (get_str(o, "redirectUri"), link) {
        (Some(uri), _) => uri,
        // Linking comes back to the page it started on.
        (None, true) => {
            let window = env::window()?;
            let location = get(&window, "location");
            let part = |k| get_str(&location, k).unwrap_or_default();
            cat(&[part("origin").as_str(), &part("pathname")])
        }
        (None, false) => required(o, "redirectUri")?,
    };
    let plan = Redirect {
        provider,
        redirect_uri,
        scopes: strings(&get(o, "scopes")),
        link,
    };
    Ok(Call {
        method: "GET",
        path: "/api/auth/providers".into(),
        body: None,
        bearer: false,
        then: Then::Redirect(plan),
    })
}

/// One-time values into sessionStorage, then the browser goes to the provider (https only).
fn navigate(d: &Driver, plan: Redirect, answer: &JsValue) -> SdkResult<JsValue> {
    let wanted = Some(plan.provider.as_str());
    let providers = get(answer, "providers");
    let mut found = None;
    for p in items(&providers) {
        if get_str(&p, "provider").as_deref() == wanted {
            found = Some(p);
            break;
        }
    }
    let facts =
        found.ok_or_else(|| SdkError::new(codes::PROVIDER_NOT_ENABLED, "provider not enabled"))?;
    // The configured scopes are the floor; the requested ones are added (deduplicated).
    let configured = merge_scopes(&strings(&get(&facts, "scopes")), &[]);
    let scopes = merge_scopes(&configured, &plan.scopes);
    let text = |k| get_str(&facts, k).unwrap_or_default();
    // A form_post provider (Apple) answers the Worker's relay, which sends the browser on.
    let relay_url = cat(&[
        d.worker.base.as_str(),
        "/oauth/projects/",
        &form_encode(&d.project_id),
        "/providers/",
        &form_encode(&plan.provider),
        "/callback",
    ]);
    let answer = match text("response_mode").as_str() {
        "form_post" => Answer::FormPostRelay {
            relay_url: &relay_url,
        },
        _ => Answer::Query,
    };
    let mut url = flow::begin(
        &SESSION_STORAGE,
        &d.project_id,
        &ProviderFacts {
            answer,
            link: plan.link,
            provider: &plan.provider,
            client_id: &text("client_id"),
            authorization_endpoint: &text("authorization_endpoint"),
            scopes: &scopes,
        },
        &plan.redirect_uri,
        &env::random_bytes()?,
        env::now_ms(),
    )?;
    // The provider's own parameters (Google: offline access, incremental scopes).
    if let Some(kind) = ProviderKind::of(&plan.provider) {
        append_params(
            &mut url,
            kind.authorization_params(scopes.len() > configured.len()),
        );
    }
    let refused = |_| SdkError::new(codes::INVALID_REQUEST, "navigation refused");
    let window = env::window()?;
    let location: web_sys::Location = get(&window, "location").unchecked_into();
    location.assign(&url).map_err(refused)?;
    Ok(JsValue::UNDEFINED)
}

/// On the page the provider sent the user back to: the flow's record is taken (single use)
/// before anything else and the one-time parameters leave the address bar; then the code is
/// exchanged (signing in, or linking the provider to the signed-in user).
pub fn callback_call(d: &Driver, url: Option<String>) -> SdkResult<Call> {
    let window = env::window()?;
    let here = get_str(&get(&window, "location"), "href").unwrap_or_default();
    let url = url.unwrap_or_else(|| here.clone());
    let cb = env::callback(&url)?;
    let store = SESSION_STORAGE;
    let taken = flow::take(&store, &d.project_id, &cb.state, env::now_ms());
    let history = get(&window, "history");
    if url == here && history.is_object() {
        let state = get(&history, "state");
        let history: web_sys::History = history.unchecked_into();
        let _ = history.replace_state_with_url(&state, "", Some(&cb.cleaned));
    }
    let record = taken?;
    if let Some(error) = cb.error {
        let why = cat(&["the provider refused: ", &error, " ", &cb.error_description]);
        return Err(SdkError::new(codes::INVALID_SOCIAL_LOGIN, why));
    }
    let no_code = || SdkError::new(codes::INVALID_REQUEST, "the callback URL carries no code");
    let code = cb.code.ok_or_else(no_code)?;
    let verifier = record.code_verifier.as_deref().ok_or_else(|| {
        SdkError::new(
            codes::MISSING_CODE_VERIFIER,
            "the sign-in has no PKCE verifier",
        )
    })?;
    // Apple's first-login name, relayed with the code: for a sign-in through the relay only
    // (the Worker reads `user` on a first Apple sign-in, never when linking).
    let relayed = cb.state.starts_with(RELAY_PREFIX) && !record.link;
    let user = cb.user.filter(|_| relayed);
    let fields = [
        ("provider", Some(record.provider.as_str())),
        ("code", Some(code.as_str())),
        ("code_verifier", Some(verifier)),
        ("redirect_uri", Some(record.redirect_uri.as_str())),
        ("nonce", Some(record.nonce.as_str())),
        ("user", user.as_deref()),
    ];
    let (path, then) = match record.link {
        false => ("/api/auth/login/social", Then::SignIn),
        true => ("/api/auth/identities", Then::User),
    };
    Ok(Call {
        method: "POST",
        path: path.into(),
        body: json_body(&fields),
        bearer: record.link,
        then,
    })
}

/// Signs out here and in every tab; `global` ends every session of the user at the Worker.
pub fn sign_out_call(scope: Option<String>) -> SdkResult<Call> {
    let scope = scope.unwrap_or_else(|| "local".into());
    if scope != "local" && scope != "global" {
        let why = "scope must be \"local\" or \"global\"";
        return Err(SdkError::new(codes::INVALID_REQUEST, why));
    }
    Ok(Call {
        method: "POST",
        path: "/api/auth/logout".into(),
        body: json_body(&[("scope", Some(scope.as_str()))]),
        bearer: true,
        then: Then::SignOut,
    })
}
