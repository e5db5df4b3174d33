//! The SDK's browser adapters in a real headless Chromium (wasm-bindgen-test): storage,
//! `fetch`, Web Locks and BroadcastChannel, the CSPRNG, the URL parser, and whole clients
//! against a `fetch` stand-in for the Worker.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use js_sys::{Function, Promise};
use kith_sdk::error::codes;
use kith_sdk::flow::{begin, take, Answer, KeyValue, ProviderFacts, FLOW_TTL_MS};
use kith_sdk::web::convert::{get, get_str, get_u64};
use kith_sdk::web::storage::{choose, Store, SESSION_STORAGE};
use kith_sdk::web::{env, Client};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "browser/worker.rs"]
mod worker;

const PID: &str = "6f0c5b8e-2d1a-4c3b-9e7f-0a1b2c3d4e5f";
const BASE: &str = "http://127.0.0.1:9";

/// Runs JS (test set-up only).
fn js(body: &str) -> JsValue {
    Function::new_no_args(body).call0(&JsValue::NULL).unwrap()
}

/// A stand-in Worker: `fetch` answers sessions, a provider list and scripted errors, and
/// counts refresh requests in `globalThis.kithRefreshes`.
fn stub_worker() {
    js(r#"
      globalThis.realFetch ??= globalThis.fetch;
      globalThis.kithRefreshes = 0;
      const session = (rt) => ({ access_token: "at-" + rt, token_type: "bearer", expires_in: 3600,
        expires_at: 0, refresh_token: rt, user: { id: "u1", email: "a@example.com" } });
      const json = (body, status = 200, headers = {}) =>
        new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
      globalThis.fetch = async (url) => {
        const path = new URL(url).pathname;
        if (path === "/api/auth/login/social") return json(session("rt-0"));
        if (path === "/api/auth/refresh") {
          const n = ++globalThis.kithRefreshes;
          await new Promise((r) => setTimeout(r, 50));
          return json(session("rt-" + n));
        }
        if (path === "/api/auth/providers") return json({ providers: [
          { provider: "evil", client_id: "c", authorization_endpoint: "javascript:alert(1)", scopes: [] },
          { provider: "plain", client_id: "c", authorization_endpoint: "http://op.example/auth", scopes: [] } ] });
        if (path === "/limited") return json({ error: "rate_limited", error_description: "slow" }, 429, { "retry-after": "30" });
        if (path === "/revoked") return json({ error: "invalid_refresh_token" }, 401);
        if (path === "/proxy") return new Response("<html>bad gateway</html>", { status: 502 });
        if (path === "/odd") throw "not an Error";
        return json({ error: "not_found" }, 404);
      };
    "#);
}

fn restore_fetch() {
    js("if (globalThis.realFetch) globalThis.fetch = globalThis.realFetch;");
}

fn events() -> Function {
    Function::new_with_args("e", "(globalThis.kithEvents ??= []).push(e)")
}

fn client(pid: &str, storage: JsValue) -> Client {
    Client::new(BASE.into(), pid.into(), storage, true, None, events()).unwrap()
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

fn code(e: &JsValue) -> String {
    get_str(e, "code").unwrap()
}

fn facts(endpoint: &'static str) -> ProviderFacts<'static> {
    ProviderFacts {
        answer: Answer::Query,
        link: false,
        provider: "oidc:dev",
        client_id: "c",
        authorization_endpoint: endpoint,
        scopes: &[],
    }
}

fn start(store: &Store, now: u64) -> (String, String) {
    let random = env::random_bytes().unwrap();
    let url = begin(
        store,
        PID,
        &facts("https://op.example/auth"),
        "https://app.example/",
        &random,
        now,
    );
    let url = url.unwrap();
    let state = env::callback(&url).unwrap().state;
    (url, state)
}

#[wasm_bindgen_test]
fn state_nonce_and_verifier_come_from_the_csprng_and_differ_each_time() {
    let (a, sa) = start(&SESSION_STORAGE, 0);
    let (b, sb) = start(&SESSION_STORAGE, 0);
    assert_ne!(sa, sb);
    let nonce = |u: &str| web_sys::Url::new(u).unwrap().search_params().get("nonce");
    assert_ne!(nonce(&a), nonce(&b));
    assert!(a.contains("code_challenge_method=S256"));
    assert_eq!(sa.len(), 43);
}

#[wasm_bindgen_test]
fn a_flow_in_session_storage_is_single_use_and_expires_after_ten_minutes() {
    let (_, state) = start(&SESSION_STORAGE, 1_000);
    let record = take(&SESSION_STORAGE, PID, &state, 2_000).unwrap();
    assert_eq!(record.code_verifier.map(|v| v.len()), Some(43));
    let again = take(&SESSION_STORAGE, PID, &state, 2_001).unwrap_err();
    assert_eq!(again.code, codes::STATE_MISMATCH);
    let (_, old) = start(&SESSION_STORAGE, 1_000);
    let late = take(&SESSION_STORAGE, PID, &old, 1_000 + FLOW_TTL_MS + 1);
    assert_eq!(late.unwrap_err().code, codes::STATE_MISMATCH);
}

#[wasm_bindgen_test]
fn the_browser_url_parser_reads_the_first_state_and_cleans_the_one_time_parameters() {
    let cb = env::callback("https://app/cb?tab=2&state=good&code=c&state=evil&iss=x#top").unwrap();
    assert_eq!((cb.state.as_str(), cb.code.as_deref()), ("good", Some("c")));
    assert_eq!(cb.cleaned, "https://app/cb?tab=2#top");
    assert_eq!(
        env::callback("not a url").err().unwrap().code,
        codes::INVALID_REQUEST
    );
}

#[wasm_bindgen_test]
fn full_session_storage_is_storage_unavailable_not_a_crash() {
    let mut i = 0;
    for size in [1 << 20, 1 << 14, 1 << 8, 8] {
        let chunk = "x".repeat(size);
        while i < 4096 && SESSION_STORAGE.set(&format!("fill-{i}"), &chunk).is_ok() {
            i += 1;
        }
    }
    let random = env::random_bytes().unwrap();
    let err = begin(
        &SESSION_STORAGE,
        PID,
        &facts("https://op/a"),
        "https://app/",
        &random,
        0,
    );
    assert_eq!(err.unwrap_err().code, codes::STORAGE_UNAVAILABLE);
    for j in 0..=i {
        SESSION_STORAGE.remove(&format!("fill-{j}")).unwrap();
    }
}

#[wasm_bindgen_test]
fn a_blocked_local_storage_getter_is_storage_unavailable() {
    // Chromium with third-party storage blocked: reading `window.localStorage` throws.
    js("globalThis.lsOwn = Object.getOwnPropertyDescriptor(window, 'localStorage'); Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('blocked', 'SecurityError'); } });");
    let store = choose(&JsValue::UNDEFINED).unwrap().store;
    let outcome = (store.get("k"), store.set("k", "v"));
    js("delete window.localStorage; if (globalThis.lsOwn) Object.defineProperty(window, 'localStorage', globalThis.lsOwn);");
    assert_eq!(outcome.0.unwrap_err().code, codes::STORAGE_UNAVAILABLE);
    assert_eq!(outcome.1.unwrap_err().code, codes::STORAGE_UNAVAILABLE);
    assert!(
        choose(&JsValue::UNDEFINED)
            .unwrap()
            .store
            .set("k", "v")
            .is_ok(),
        "restored"
    );
}

#[wasm_bindgen_test]
fn a_custom_storage_object_works_and_its_failures_are_storage_unavailable() {
    let good = js("const m = new Map(); return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => m.set(k, v), removeItem: (k) => m.delete(k) };");
    let store = choose(&good).unwrap();
    assert!(store.shared, "the app's storage may be shared by tabs");
    store.store.set("k", "v").unwrap();
    assert_eq!(store.store.get("k").unwrap().as_deref(), Some("v"));
    let bad = js("return { getItem() { throw new Error('quota'); }, setItem() { throw 'no'; }, removeItem() {} };");
    let bad = choose(&bad).unwrap().store;
    assert_eq!(bad.get("k").unwrap_err().code, codes::STORAGE_UNAVAILABLE);
    assert_eq!(
        bad.set("k", "v").unwrap_err().code,
        codes::STORAGE_UNAVAILABLE
    );
    assert_eq!(
        choose(&"bogus".into()).err().unwrap().code,
        codes::INVALID_REQUEST
    );
}

#[wasm_bindgen_test]
async fn the_sdk_refuses_to_navigate_to_a_script_or_plain_http_authorization_endpoint() {
    stub_worker();
    let c = client("nav-test", JsValue::UNDEFINED);
    let before = env::window().unwrap().location().href().unwrap();
    for provider in ["evil", "plain"] {
        let o = js(&format!(
            "return {{ provider: '{provider}', redirectUri: 'https://app/' }};"
        ));
        let err = settle(c.call("signInWithRedirect", o)).await.unwrap_err();
        assert_eq!(code(&err), codes::INVALID_REQUEST, "{provider}");
    }
    assert_eq!(env::window().unwrap().location().href().unwrap(), before);
    assert!(Client::new(
        "http://auth.example".into(),
        "p".into(),
        JsValue::UNDEFINED,
        true,
        None,
        events()
    )
    .is_err());
    c.dispose();
    restore_fetch();
}

/// Two clients of one project in one page share storage, channel and lock as two tabs do.
async fn two_tabs_refresh_once(pid: &str) {
    stub_worker();
    js("localStorage.clear();");
    let a = client(pid, JsValue::UNDEFINED);
    let body = js("return { provider: 'oidc:dev', id_token: 'x' };");
    settle(a.call("signInWithSocial", body)).await.unwrap();
    let b = client(pid, JsValue::UNDEFINED);
    assert_eq!(
        get_str(&b.session(), "refresh_token").as_deref(),
        Some("rt-0")
    );
    let (ra, rb) = (
        a.call("refreshSession", JsValue::UNDEFINED),
        b.call("refreshSession", JsValue::UNDEFINED),
    );
    let (ra, rb) = (settle(ra).await.unwrap(), settle(rb).await.unwrap());
    let refreshes = get_u64(&js_sys::global(), "kithRefreshes");
    assert_eq!(refreshes, Some(1), "one refresh request for two tabs");
    assert_eq!(get_str(&ra, "refresh_token").as_deref(), Some("rt-1"));
    assert_eq!(get_str(&rb, "refresh_token"), get_str(&ra, "refresh_token"));
    assert_eq!(get_u64(&rb, "generation"), Some(1));
    a.dispose();
    b.dispose();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn with_web_locks_two_tabs_send_one_refresh_and_get_the_same_session() {
    assert!(get(&get(&js_sys::global(), "navigator"), "locks").is_object());
    two_tabs_refresh_once("locks-test").await;
}

#[wasm_bindgen_test]
async fn without_web_locks_two_tabs_agree_over_the_broadcast_channel() {
    js("Object.defineProperty(navigator, 'locks', { configurable: true, value: undefined });");
    two_tabs_refresh_once("channel-test").await;
    js("delete navigator.locks;");
    assert!(
        get(&get(&js_sys::global(), "navigator"), "locks").is_object(),
        "restored"
    );
}

#[wasm_bindgen_test]
async fn an_expired_stored_session_is_never_handed_out_and_get_access_token_refreshes_it() {
    stub_worker();
    let expired = r#"{"access_token":"at-old","token_type":"bearer","expires_in":60,"expires_at":0,
      "refresh_token":"rt-old","user":{"id":"u1"},"received_at":1000,"generation":0}"#;
    js(&format!(
        "localStorage.setItem('kith.session.expiry-test', '{}');",
        expired.replace('\n', "")
    ));
    let c = Client::new(
        BASE.into(),
        "expiry-test".into(),
        JsValue::UNDEFINED,
        false,
        None,
        events(),
    );
    let c = c.unwrap();
    assert!(c.session().is_null());
    let token = settle(c.call("getAccessToken", JsValue::UNDEFINED))
        .await
        .unwrap();
    assert_eq!(token.as_string().as_deref(), Some("at-rt-1"));
    assert_eq!(
        get_str(&c.session(), "access_token").as_deref(),
        Some("at-rt-1")
    );
    c.dispose();
    restore_fetch();
}

#[wasm_bindgen_test]
fn create_nonce_gives_a_raw_nonce_and_its_sha256() {
    let pair = kith_sdk::web::create_nonce().unwrap();
    let (raw, hashed) = (
        get_str(&pair, "nonce").unwrap(),
        get_str(&pair, "hashedNonce").unwrap(),
    );
    assert_eq!((raw.len(), hashed.len()), (43, 64));
    assert!(pair.dyn_into::<js_sys::Object>().is_ok());
}

#[wasm_bindgen_test]
async fn an_app_listener_that_dispatches_a_page_event_re_enters_the_client_safely() {
    stub_worker();
    js("localStorage.clear(); globalThis.kithErrors = []; addEventListener('error', (e) => kithErrors.push(String(e.message)));");
    // Tab B hears of A's sign-in on the channel (inside the client's event handler) and its
    // listener dispatches a page event the same handler listens to.
    let emit = Function::new_with_args(
        "e",
        "if (e === 'SIGNED_IN') { dispatchEvent(new Event('online')); globalThis.kithHeard = true; }",
    );
    let b = Client::new(
        BASE.into(),
        "reentry-test".into(),
        JsValue::UNDEFINED,
        true,
        None,
        emit,
    );
    let (a, b) = (client("reentry-test", JsValue::UNDEFINED), b.unwrap());
    let body = js("return { provider: 'oidc:dev', id_token: 'x' };");
    settle(a.call("signInWithSocial", body)).await.unwrap();
    let heard =
        js("return new Promise((r) => setTimeout(() => r(globalThis.kithHeard === true), 100));");
    assert_eq!(settle(heard.unchecked_into()).await.unwrap(), JsValue::TRUE);
    let errors = js_sys::Array::from(&get(&js_sys::global(), "kithErrors"));
    assert_eq!(errors.length(), 0, "{:?}", errors.to_vec());
    assert_eq!(
        get_str(&b.session(), "refresh_token").as_deref(),
        Some("rt-0")
    );
    a.dispose();
    b.dispose();
    restore_fetch();
}
