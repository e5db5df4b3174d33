//! `/admin/projects` and `/admin/projects/{pid}/...` (`Authorization: Bearer <ADMIN_TOKEN>`).

use super::context::{now_secs, platform};
use super::{body, wire};
use crate::adapters::keys;
use crate::app::admin::{projects, providers, users};
use crate::error::{ApiError, ApiResult};
use worker::{Env, Method, Request, Response};

fn authorize(req: &Request, env: &Env) -> ApiResult<()> {
    if keys::admin_authorized(env, req.headers().get("authorization")?.as_deref()) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// `GET /admin/projects`: every project (the admin console's list).
pub async fn list_projects(req: &Request, env: &Env) -> ApiResult<Response> {
    authorize(req, env)?;
    let p = platform(env).await?;
    wire::json_response(&projects::list(&p.db).await?, 200)
}

/// Routes one admin request for project `pid`.
pub async fn handle(req: &mut Request, env: &Env, pid: &str, rest: &[&str]) -> ApiResult<Response> {
    authorize(req, env)?;
    let p = platform(env).await?;
    let db = &p.db;
    let now = now_secs();
    let ok = |v: serde_json::Value| wire::json_response(&v, 200);
    match (req.method(), rest) {
        (Method::Put, []) => ok(projects::put(&p, pid, &body::bytes(req).await?, now).await?),
        (Method::Get, []) => ok(projects::get(db, pid).await?),
        (Method::Get, ["providers"]) => ok(providers::list(db, pid).await?),
        (Method::Put, ["providers", provider]) => {
            let provider = kith_claims::oauth::percent_decode(provider);
            let b = body::bytes(req).await?;
            ok(providers::put(&p, pid, &provider, &b, now).await?)
        }
        (Method::Get, ["users"]) => {
            let url = req.url()?;
            let email = url
                .query_pairs()
                .find(|(k, _)| k == "email")
                .map(|(_, v)| v.into_owned());
            ok(users::find(db, pid, email.as_deref()).await?)
        }
        (Method::Delete, ["users", id]) => {
            users::delete(db, pid, id).await?;
            wire::no_content()
        }
        (Method::Post, ["users", id, "revoke-sessions"]) => {
            ok(users::revoke_sessions(db, pid, id, now).await?)
        }
        (Method::Get, ["users", id, "identities", provider, "token"]) => {
            let provider = kith_claims::oauth::percent_decode(provider);
            let token = users::provider_token(&p, pid, id, &provider, now).await?;
            wire::json_response(&token, 200)
        }
        (Method::Put, ["users", id, "roles"]) => {
            let b = body::bytes(req).await?;
            ok(users::set_roles(db, pid, id, &b).await?)
        }
        (_, [] | ["providers", ..] | ["users", ..]) => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound),
    }
}
