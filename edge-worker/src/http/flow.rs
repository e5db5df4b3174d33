//! `/oauth/projects/{pid}/providers/{provider}/start|callback`: the server-driven flow's
//! HTTP face (the service is `app::flow`).

use super::context::{issuer, now_secs, platform, session};
use super::wire;
use crate::app::flow::{self, Callback, Route};
use crate::domain::ProjectId;
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::{form_decode, form_encode};
use serde_json::json;
use worker::{Env, Method, Request, Response};

fn callback_url(req: &Request, pid: &ProjectId, provider: &str) -> ApiResult<String> {
    let origin = req.url()?.origin().ascii_serialization();
    Ok(format!(
        "{origin}/oauth/projects/{pid}/providers/{}/callback",
        form_encode(provider)
    ))
}

fn project_id(pid: &str) -> ApiResult<ProjectId> {
    ProjectId::parse(pid).ok_or(ApiError::ProjectNotFound)
}

/// `GET .../start?redirect_to=`.
pub async fn start(req: &Request, env: &Env, pid: &str, provider: &str) -> ApiResult<Response> {
    let pid = project_id(pid)?;
    let callback = callback_url(req, &pid, provider)?;
    let route = Route {
        project_id: &pid,
        provider,
        callback_url: &callback,
    };
    let redirect_to = req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "redirect_to")
        .map(|(_, v)| v.into_owned());
    let p = platform(env).await?;
    let (auth_url, state) = flow::start(&p, &route, redirect_to.as_deref(), now_secs()).await?;
    wire::json_response(&json!({ "auth_url": auth_url, "state": state }), 200)
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

async fn params(req: &mut Request) -> ApiResult<Vec<(String, String)>> {
    if req.method() == Method::Post {
        let body = req
            .text()
            .await
            .map_err(|_| ApiError::InvalidRequest("unreadable form".into()))?;
        if body.len() > super::body::MAX_BODY {
            return Err(ApiError::InvalidRequest("form too large".into()));
        }
        Ok(form_decode(&body))
    } else {
        Ok(req
            .url()?
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect())
    }
}

/// `GET|POST .../callback`.
pub async fn callback(
    req: &mut Request,
    env: &Env,
    pid: &str,
    provider: &str,
) -> ApiResult<Response> {
    let pid = project_id(pid)?;
    let now = now_secs();
    let callback = callback_url(req, &pid, provider)?;
    let route = Route {
        project_id: &pid,
        provider,
        callback_url: &callback,
    };
    let params = params(req).await?;
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let p = platform(env).await?;
    let (redirect_to, outcome) = flow::callback(&p, &route, &Callback { get: &get }, now).await?;
    let outcome = match outcome {
        Ok((project, granted)) => {
            let issuer = issuer(env, req)?;
            session(&p.crypto.keys, &issuer, &project, granted, now).await
        }
        Err(e) => Err(e),
    };
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
        (Ok(session), None) => wire::json_response(&session, 200),
        (Err(e), Some(to)) => {
            wire::log(&e);
            see_other(&to, &fragment(&[("error", e.code().as_str().to_owned())]))
        }
        (Err(e), None) => Err(e),
    }
}
