//! Exchanges with the Worker: its error answers keep their code, status and `Retry-After`;
//! anything else (unreachable, not Kith's JSON, a `fetch` rejecting with a non-`Error`) is
//! `network_error`.

use crate::{client, code, js, restore_fetch, settle, stub_worker, BASE, PID};
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
    let (head, text) = http::read(&response.map_err(|_| http::unreachable())?)?;
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
