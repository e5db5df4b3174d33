//! The server-driven sign-in (CONTRACT "Server-driven flow"): no SDK needed, and the route
//! that receives Apple's `response_mode=form_post`.
//!
//! - `GET /oauth/projects/{pid}/providers/{provider}/start?redirect_to=<allowlisted URL>` →
//!   `{"auth_url", "state"}`. The state is single-use and lives 10 minutes; the PKCE verifier
//!   and the nonce are derived from it with HMAC under the Worker's secret (nothing secret is
//!   stored).
//! - `GET|POST /oauth/projects/{pid}/providers/{provider}/callback` → validates the state,
//!   exchanges the code, signs in, then `303` to `redirect_to` with the session in the URL
//!   fragment (never sent to servers or logs), or the JSON session without `redirect_to`.

use crate::db::D1;
use crate::error::{ApiError, ApiResult};
use crate::login::{login_form, Form};
use crate::model::ProviderKind;
use crate::signin::{derive, hash_hex};
use crate::webcrypto::random_bytes;
use crate::{keys, repo, session};
use kith_claims::b64;
use kith_claims::oauth::{authorization_url, form_decode, form_encode, AuthorizationRequest};
use kith_claims::pkce::PkceVerifier;
use serde_json::json;
use worker::{Env, Method, Request, Response};

/// How long a started sign-in may take.
const STATE_TTL_SECS: i64 = 600;

fn callback_url(req: &Request, pid: &str, provider: &str) -> ApiResult<String> {
    let origin = req.url()?.origin().ascii_serialization();
    Ok(format!(
        "{origin}/oauth/projects/{pid}/providers/{}/callback",
        form_encode(provider)
    ))
}

fn bad(m: &str) -> ApiError {
    ApiError::InvalidRequest(m.into())
}

/// `GET .../start`.
pub async fn start(
    req: &Request,
    env: &Env,
    db: &D1,
    pid: &str,
    provider: &str,
    now: i64,
) -> ApiResult<Response> {
    let config = repo::load_config(db, pid, None).await?;
    let project = &config.project;
    let p = config.enabled_provider(provider)?;
    let url = req.url()?;
    let redirect_to = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_to")
        .map(|(_, v)| v.into_owned());
    if let Some(to) = &redirect_to {
        // Exact match only: an open redirect here would hand sessions to an attacker.
        if !project.redirect_urls.contains(to) {
            return Err(bad(
                "\"redirect_to\" is not one of the project's redirect_urls",
            ));
        }
    }
    let keys = keys::load(env).await?;
    let state = b64::encode(random_bytes::<32>()?);
    let verifier = derive(&keys.refresh_key, "kith flow pkce", &state);
    let nonce = derive(&keys.refresh_key, "kith flow nonce", &state);
    let challenge = PkceVerifier::parse(&verifier)
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .challenge_s256();
    let callback = callback_url(req, pid, provider)?;
    let scope = p.config.scopes.join(" ");
    let mut auth_url = authorization_url(&AuthorizationRequest {
        authorization_endpoint: &p.config.authorization_endpoint,
        client_id: &p.config.client_id,
        redirect_uri: &callback,
        scope: &scope,
        state: &state,
        nonce: &nonce,
        code_challenge: &challenge,
    });
    if ProviderKind::of(provider) == Some(ProviderKind::Apple) {
        // Apple posts the answer (with the first-login `user`) when a name or email is asked.
        auth_url.push_str("&response_mode=form_post");
    }
    repo::create_oauth_state(
        db,
        &hash_hex(&state),
        pid,
        provider,
        redirect_to.as_deref(),
        now + STATE_TTL_SECS,
    )
    .await?;
    let resp = Response::from_json(&json!({ "auth_url": auth_url, "state": state }))?;
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}

fn fragment(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn see_other(to: &str, fragment: &str) -> ApiResult<Response> {
    let resp = Response::empty()?.with_status(303);
    let base = to.split('#').next().unwrap_or(to);
    resp.headers()
        .set("location", &format!("{base}#{fragment}"))?;
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}

/// `GET|POST .../callback`.
pub async fn callback(
    req: &mut Request,
    env: &Env,
    db: &D1,
    pid: &str,
    provider: &str,
    now: i64,
) -> ApiResult<Response> {
    let params: Vec<(String, String)> = if req.method() == Method::Post {
        let body = req.text().await.map_err(|_| bad("unreadable form"))?;
        if body.len() > 64 * 1024 {
            return Err(bad("form too large"));
        }
        form_decode(&body)
    } else {
        req.url()?
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let state = get("state")
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| bad("the callback has no state"))?;
    let redirect_to = repo::take_oauth_state(db, &hash_hex(&state), pid, provider, now)
        .await?
        .ok_or_else(|| bad("unknown, used or expired state"))?;
    let outcome = finish(req, env, db, (pid, provider), &state, &get, now).await;
    match (outcome, redirect_to) {
        (Ok(session), Some(to)) => see_other(
            &to,
            &fragment(&[
                ("access_token", session.access_token.clone()),
                ("token_type", "bearer".into()),
                ("expires_in", session.expires_in.to_string()),
                ("expires_at", session.expires_at.to_string()),
                ("refresh_token", session.refresh_token.clone()),
            ]),
        ),
        (Ok(session), None) => {
            let resp = Response::from_json(&session)?;
            resp.headers().set("cache-control", "no-store")?;
            Ok(resp)
        }
        (Err(e), Some(to)) => {
            let code = e.code().to_owned();
            let _ = e.into_response(); // logs the reason
            see_other(&to, &fragment(&[("error", code)]))
        }
        (Err(e), None) => Err(e),
    }
}

async fn finish(
    req: &Request,
    env: &Env,
    db: &D1,
    (pid, provider): (&str, &str),
    state: &str,
    get: &dyn Fn(&str) -> Option<String>,
    now: i64,
) -> ApiResult<crate::model::SessionOut> {
    if let Some(error) = get("error") {
        return Err(ApiError::InvalidSocialLogin(format!(
            "the provider answered error \"{error}\""
        )));
    }
    let code = get("code")
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| bad("the callback has no code"))?;
    let config = repo::load_config(db, pid, None).await?;
    let project = &config.project;
    let p = config.enabled_provider(provider)?;
    let keys = keys::load(env).await?;
    let verifier = PkceVerifier::parse(&derive(&keys.refresh_key, "kith flow pkce", state))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let nonce = derive(&keys.refresh_key, "kith flow nonce", state);
    let apple_user = get("user").map(serde_json::Value::String);
    let form = Form::Code {
        code,
        verifier,
        redirect_uri: callback_url(req, pid, provider)?,
        nonce: Some(nonce),
    };
    let granted = login_form(env, db, project, p, form, apple_user, now).await?;
    session::answer(env, req, project, granted, now).await
}
