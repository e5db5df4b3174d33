//! Exchanges with the Worker: its error answers keep their code, status and `Retry-After`;
//! anything else (unreachable, not Kith's JSON, a `fetch` rejecting with a non-`Error`) is
//! `network_error`.

use crate::{client, code, get_str, js, restore_fetch, settle, stub_worker, BASE, PID};
use kith_sdk::error::{codes, SdkError};
use kith_sdk::web::http::{self, Worker};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

/// One exchange with the Worker, its three steps chained as the driver chains them.
async fn exchange(
    w: &Worker,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<JsValue, SdkError> {
    let response = JsFuture::from(w.fetch(method, path, body, None)?).await;
    let (head, text) = http::read(w, &response.map_err(|_| http::unreachable())?)?;
    let text = JsFuture::from(text)
        .await
        .map_err(|_| http::unreachable())?;
    http::answer(&head, &text)
}

#[wasm_bindgen_test]
async fn a_worker_that_cannot_be_reached_is_network_error() {
    restore_fetch();
    let worker = Worker {
        base: BASE.into(),
        project_id: PID.into(),
        bookmark: Default::default(),
    };
    let err = exchange(&worker, "GET", "/api/auth/providers", None)
        .await
        .unwrap_err();
    assert_eq!(err.code, codes::NETWORK_ERROR);
}

#[wasm_bindgen_test]
async fn worker_errors_keep_their_code_status_and_retry_after() {
    stub_worker();
    let worker = Worker {
        base: BASE.into(),
        project_id: PID.into(),
        bookmark: Default::default(),
    };
    let limited = exchange(&worker, "POST", "/limited", Some("{}"))
        .await
        .unwrap_err();
    assert_eq!(
        (limited.code.as_str(), limited.status),
        (codes::RATE_LIMITED, Some(429))
    );
    assert_eq!(limited.retry_after_s, Some(30));
    let revoked = exchange(&worker, "POST", "/revoked", None)
        .await
        .unwrap_err();
    assert_eq!(revoked.code, codes::INVALID_REFRESH_TOKEN);
    let proxy = exchange(&worker, "GET", "/proxy", None).await.unwrap_err();
    assert_eq!(
        (proxy.code.as_str(), proxy.status),
        (codes::NETWORK_ERROR, Some(502))
    );
    let odd = exchange(&worker, "GET", "/odd", None).await.unwrap_err();
    assert_eq!(
        odd.code,
        codes::NETWORK_ERROR,
        "a fetch rejecting with a non-Error"
    );
    restore_fetch();
}

#[wasm_bindgen_test]
async fn a_client_call_whose_fetch_rejects_with_a_non_error_is_network_error() {
    js("globalThis.realFetch ??= globalThis.fetch; globalThis.fetch = () => Promise.reject('no');");
    let c = client("odd-fetch", JsValue::UNDEFINED);
    let body = js("return { provider: 'oidc:dev', id_token: 'x' };");
    let err = settle(c.call("signInWithSocial", body)).await.unwrap_err();
    assert_eq!(code(&err), codes::NETWORK_ERROR);
    // A fetch that throws synchronously, too.
    js("globalThis.fetch = () => { throw new TypeError('blocked'); };");
    let body = js("return { provider: 'oidc:dev', id_token: 'x' };");
    let err = settle(c.call("signInWithSocial", body)).await.unwrap_err();
    assert_eq!(code(&err), codes::NETWORK_ERROR);
    c.dispose();
    restore_fetch();
}

#[wasm_bindgen_test]
async fn get_user_sends_the_latest_bookmark_the_worker_answered_with() {
    js(r#"
      globalThis.realFetch ??= globalThis.fetch;
      globalThis.kithUserBookmarks = [];
      let n = 0;
      const json = (body, bookmark) => new Response(JSON.stringify(body), { headers:
        { "content-type": "application/json", ...(bookmark ? { "kith-bookmark": bookmark } : {}) } });
      const user = { id: "u1", email: "a@example.com" };
      globalThis.fetch = async (url, init) => {
        const path = new URL(url).pathname;
        if (path === "/api/auth/login/social") return json({ access_token: "at", token_type: "bearer",
          expires_in: 3600, expires_at: 0, refresh_token: "rt", user }, "bm-signin");
        if (path === "/api/auth/user") {
          globalThis.kithUserBookmarks.push(init.headers["kith-bookmark"] ?? null);
          return json(user, ++n === 1 ? "bm-user" : null);
        }
        return json({ error: "not_found" });
      };
    "#);
    let c = client("bookmark", JsValue::UNDEFINED);
    let body = js("return { provider: 'oidc:dev', id_token: 'x' };");
    settle(c.call("signInWithSocial", body)).await.unwrap();
    let user = settle(c.call("getUser", JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get_str(&user, "id").as_deref(), Some("u1"));
    // The first read carries the sign-in's bookmark; the second the user read's own (an answer
    // without one leaves the latest in place for the third).
    settle(c.call("getUser", JsValue::UNDEFINED)).await.unwrap();
    settle(c.call("getUser", JsValue::UNDEFINED)).await.unwrap();
    let sent = js("return globalThis.kithUserBookmarks.join(',');");
    assert_eq!(
        sent.as_string().as_deref(),
        Some("bm-signin,bm-user,bm-user")
    );
    c.dispose();
    restore_fetch();
}
