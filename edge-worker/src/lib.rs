//! # kith-worker
//!
//! The Cloudflare Worker of Kith: it holds the providers' client secrets, exchanges
//! authorization codes, verifies id_tokens with kith-claims (signatures through WebCrypto),
//! links users in D1 and issues Kith's own sessions. See the README for the HTTP API.
//!
//! Handlers are thin: parse the request, call the flow, render JSON. Every failure becomes
//! one [`error::ApiError`] with a stable code.
#![forbid(unsafe_code)]

pub mod admin;
pub mod db;
pub mod error;
pub mod jwks;
pub mod keys;
pub mod login;
pub mod model;
pub mod net;
pub mod oauth_flow;
pub mod repo;
pub mod session;
pub mod signin;
pub mod webcrypto;

use db::D1;
use error::{ApiError, ApiResult};
use model::Project;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{event, Context, Date, Env, Headers, Method, Request, Response};

/// Largest request body read, in bytes.
const MAX_BODY: usize = 64 * 1024;

fn now_secs() -> i64 {
    i64::try_from(Date::now().as_millis() / 1000).unwrap_or(i64::MAX)
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    match route(req, &env).await {
        Ok(resp) => Ok(resp),
        Err(e) => e.into_response(),
    }
}

async fn body_bytes(req: &mut Request) -> ApiResult<Vec<u8>> {
    let bytes = req
        .bytes()
        .await
        .map_err(|_| ApiError::InvalidRequest("unreadable body".into()))?;
    if bytes.len() > MAX_BODY {
        return Err(ApiError::InvalidRequest("body too large".into()));
    }
    Ok(bytes)
}

fn json_body<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::InvalidRequest(format!("invalid body: {e}")))
}

fn json_response(value: &impl serde::Serialize, status: u16) -> ApiResult<Response> {
    let resp = Response::from_json(value)?.with_status(status);
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}

fn no_content() -> ApiResult<Response> {
    Ok(Response::empty()?.with_status(204))
}

fn database(env: &Env) -> ApiResult<D1> {
    Ok(D1(env.d1("DB")?))
}

async fn route(mut req: Request, env: &Env) -> ApiResult<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method();
    match (method.clone(), segments.as_slice()) {
        (Method::Get, [".well-known", "jwks.json"]) => {
            let keys = keys::load(env).await?;
            let list: Vec<&Value> = keys.signing.iter().map(|k| k.public_jwk()).collect();
            let resp = Response::from_json(&json!({ "keys": list }))?;
            resp.headers().set("cache-control", "public, max-age=300")?;
            Ok(resp)
        }
        (Method::Options, ["api", ..]) => preflight(&req),
        (_, ["api", "auth", rest @ ..]) => {
            let origin = req.headers().get("origin")?;
            let resp = api(&mut req, env, method, rest, origin.as_deref()).await;
            cors(resp.or_else(ApiError::into_response)?, origin.as_deref())
        }
        (Method::Get, ["oauth", "projects", pid, "providers", provider, "start"]) => {
            let provider = kith_claims::oauth::percent_decode(provider);
            oauth_flow::start(&req, env, &database(env)?, pid, &provider, now_secs()).await
        }
        (
            Method::Get | Method::Post,
            ["oauth", "projects", pid, "providers", provider, "callback"],
        ) => {
            let (pid, provider) = (
                pid.to_string(),
                kith_claims::oauth::percent_decode(provider),
            );
            oauth_flow::callback(&mut req, env, &database(env)?, &pid, &provider, now_secs()).await
        }
        (_, ["admin", "projects", pid, rest @ ..]) => {
            if !keys::admin_authorized(env, req.headers().get("authorization")?.as_deref()) {
                return Err(ApiError::Unauthorized);
            }
            let db = database(env)?;
            let now = now_secs();
            match (method, rest) {
                (Method::Put, []) => json_response(
                    &admin::put_project(&db, pid, &body_bytes(&mut req).await?, now).await?,
                    200,
                ),
                (Method::Get, []) => json_response(&admin::get_project(&db, pid).await?, 200),
                (Method::Get, ["providers"]) => {
                    json_response(&admin::list_providers(&db, pid).await?, 200)
                }
                (Method::Put, ["providers", provider]) => {
                    let provider = kith_claims::oauth::percent_decode(provider);
                    let body = body_bytes(&mut req).await?;
                    json_response(
                        &admin::put_provider(env, &db, pid, &provider, &body, now).await?,
                        200,
                    )
                }
                (Method::Get, ["users"]) => {
                    let url = req.url()?;
                    let email = url
                        .query_pairs()
                        .find(|(k, _)| k == "email")
                        .map(|(_, v)| v.into_owned());
                    json_response(&admin::find_users(&db, pid, email.as_deref()).await?, 200)
                }
                (Method::Delete, ["users", id]) => {
                    admin::delete_user(&db, pid, id).await?;
                    no_content()
                }
                (Method::Post, ["users", id, "revoke-sessions"]) => {
                    json_response(&admin::revoke_sessions(&db, pid, id, now).await?, 200)
                }
                (Method::Put, ["users", id, "roles"]) => {
                    let body = body_bytes(&mut req).await?;
                    json_response(&admin::set_roles(&db, pid, id, &body).await?, 200)
                }
                (_, [] | ["providers", ..] | ["users", ..]) => Err(ApiError::MethodNotAllowed),
                _ => Err(ApiError::NotFound),
            }
        }
        _ => Err(ApiError::NotFound),
    }
}

/// The client's IP (Cloudflare sets `cf-connecting-ip`).
fn client_ip(req: &Request) -> String {
    req.headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into())
}

/// Kith's issuer: the `KITH_ISSUER` variable, or the request's origin.
pub(crate) fn issuer(env: &Env, req: &Request) -> ApiResult<String> {
    match env.var("KITH_ISSUER").map(|v| v.to_string()) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Ok(req.url()?.origin().ascii_serialization()),
    }
}

/// The verified claims of the request's `Authorization: Bearer` access token.
async fn bearer(
    env: &Env,
    req: &Request,
    project: &Project,
    now: i64,
) -> ApiResult<session::AccessClaims> {
    let keys = keys::load(env).await?;
    session::bearer(
        &keys,
        req.headers().get("authorization")?.as_deref(),
        project,
        now,
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshBody {
    refresh_token: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogoutBody {
    #[serde(default)]
    scope: Option<String>,
}

async fn api(
    req: &mut Request,
    env: &Env,
    method: Method,
    rest: &[&str],
    origin: Option<&str>,
) -> ApiResult<Response> {
    let pid = req
        .headers()
        .get("project-id")?
        .ok_or_else(|| ApiError::InvalidRequest("the project-id header is required".into()))?;
    if !admin::valid_project_id(&pid) {
        return Err(ApiError::ProjectNotFound);
    }
    let now = now_secs();
    let limited = match (&method, rest) {
        // Linking proves a provider account exactly as a sign-in does: same limit.
        (Method::Post, ["login", "social"] | ["identities"]) => Some("signin"),
        (Method::Post, ["refresh"]) => Some("refresh"),
        _ => None,
    };
    let rate_key = limited.map(|kind| format!("{kind}:{}", client_ip(req)));
    let db = database(env)?;
    let config = repo::load_config(
        &db,
        &pid,
        rate_key.as_deref().map(|k| (k, now - now.rem_euclid(60))),
    )
    .await?;
    let project = &config.project;
    check_origin(project, origin)?;
    if let (Some(kind), Some(count)) = (limited, config.rate_count) {
        let limit = if kind == "signin" {
            project.settings.sign_in_per_minute
        } else {
            project.settings.refresh_per_minute
        };
        if count > limit {
            return Err(ApiError::RateLimited);
        }
    }
    match (method, rest) {
        (Method::Get, ["providers"]) => {
            let list: Vec<Value> = config
                .providers
                .iter()
                .filter(|p| p.enabled)
                .map(|p| {
                    let kind = model::ProviderKind::of(&p.name);
                    let oauth2 = kind.is_some_and(model::ProviderKind::is_oauth2);
                    let form_post = kind == Some(model::ProviderKind::Apple);
                    json!({
                        "provider": p.name,
                        "kind": if oauth2 { "oauth2" } else { "oidc" },
                        "client_id": p.config.client_id,
                        "authorization_endpoint": p.config.authorization_endpoint,
                        "scopes": p.config.scopes,
                        "response_mode": if form_post { "form_post" } else { "query" },
                        "sign_up_enabled": p.config.options.sign_up_enabled && project.self_registration,
                    })
                })
                .collect();
            json_response(&json!({ "providers": list }), 200)
        }
        (Method::Post, ["login", "social"]) => {
            let body: login::LoginBody = json_body(&body_bytes(req).await?)?;
            let provider = config.enabled_provider(&body.provider)?;
            let granted = login::login(env, &db, project, provider, body, now).await?;
            json_response(
                &session::answer(env, req, project, granted, now).await?,
                200,
            )
        }
        (Method::Post, ["refresh"]) => {
            let body: RefreshBody = json_body(&body_bytes(req).await?)?;
            let keys = keys::load(env).await?;
            let rotated =
                signin::refresh(&db, project, &body.refresh_token, &keys.refresh_key, now).await?;
            json_response(
                &session::answer(env, req, project, rotated, now).await?,
                200,
            )
        }
        (Method::Post, ["logout"]) => {
            let claims = bearer(env, req, project, now).await?;
            let bytes = body_bytes(req).await?;
            let body: LogoutBody = if bytes.is_empty() {
                LogoutBody::default()
            } else {
                json_body(&bytes)?
            };
            let sid = match body.scope.as_deref() {
                None | Some("local") => Some(claims.sid.as_str()),
                Some("global") => None,
                Some(_) => {
                    return Err(ApiError::InvalidRequest(
                        "scope must be \"local\" or \"global\"".into(),
                    ))
                }
            };
            repo::revoke_sessions(&db, &project.id, &claims.sub, sid, now).await?;
            no_content()
        }
        (Method::Get, ["user"]) => {
            let claims = bearer(env, req, project, now).await?;
            let user = repo::session_user(&db, &project.id, &claims.sid, &claims.sub, now)
                .await?
                .ok_or_else(|| ApiError::InvalidToken("session revoked or expired".into()))?;
            json_response(&user, 200)
        }
        (Method::Post, ["identities"]) => {
            let claims = bearer(env, req, project, now).await?;
            let body: login::LoginBody = json_body(&body_bytes(req).await?)?;
            let provider = config.enabled_provider(&body.provider)?;
            let user_id = (claims.sub.as_str(), claims.sid.as_str());
            let user = login::link(env, &db, project, provider, body, user_id, now).await?;
            json_response(&user, 200)
        }
        (Method::Delete, ["identities", provider]) => {
            let claims = bearer(env, req, project, now).await?;
            let provider = kith_claims::oauth::percent_decode(provider);
            let change =
                repo::unlink_identity(&db, &project.id, &claims.sub, &claims.sid, &provider, now)
                    .await?;
            json_response(&signin::identity_answer(change)?, 200)
        }
        (
            _,
            ["providers"]
            | ["login", "social"]
            | ["refresh"]
            | ["logout"]
            | ["user"]
            | ["identities"]
            | ["identities", _],
        ) => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound),
    }
}

/// A browser request from an origin the project does not allow is refused outright, so a
/// foreign page cannot drive sign-ins even where it cannot read the answer.
fn check_origin(project: &Project, origin: Option<&str>) -> ApiResult<()> {
    match origin {
        Some(o) if !project.allowed_origins.iter().any(|a| a == o) => {
            Err(ApiError::OriginNotAllowed(o.to_owned()))
        }
        _ => Ok(()),
    }
}

/// CORS preflight. Browsers do not send `project-id` on a preflight, so it cannot be checked
/// against the project here; the actual request is checked ([`check_origin`]) and only then
/// gets `access-control-allow-origin`.
fn preflight(req: &Request) -> ApiResult<Response> {
    let headers = Headers::new();
    if let Some(origin) = req.headers().get("origin")? {
        headers.set("access-control-allow-origin", &origin)?;
        headers.set("access-control-allow-methods", "GET, POST, DELETE, OPTIONS")?;
        headers.set(
            "access-control-allow-headers",
            "content-type, project-id, authorization",
        )?;
        headers.set("access-control-max-age", "600")?;
        headers.set("vary", "origin")?;
    }
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

fn cors(resp: Response, origin: Option<&str>) -> ApiResult<Response> {
    if let Some(origin) = origin {
        let headers = resp.headers();
        headers.set("access-control-allow-origin", origin)?;
        headers.set("vary", "origin")?;
    }
    Ok(resp)
}
