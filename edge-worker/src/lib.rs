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
pub mod error;
pub mod jwks;
pub mod keys;
pub mod login;
pub mod model;
pub mod net;
pub mod session;
pub mod store;
pub mod webcrypto;

use error::{ApiError, ApiResult};
use model::Project;
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

fn json_response(value: &impl serde::Serialize, status: u16) -> ApiResult<Response> {
    Ok(Response::from_json(value)?.with_status(status))
}

async fn route(mut req: Request, env: &Env) -> ApiResult<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method();
    match (method.clone(), segments.as_slice()) {
        (Method::Get, [".well-known", "jwks.json"]) => {
            let keys = keys::load(env).await?;
            let list: Vec<&Value> = keys.signing.iter().map(|k| k.public_jwk()).collect();
            let resp = json_response(&json!({ "keys": list }), 200)?;
            resp.headers().set("cache-control", "public, max-age=300")?;
            Ok(resp)
        }
        (Method::Options, ["api", ..]) => preflight(&req),
        (_, ["api", "auth", rest @ ..]) => {
            let origin = req.headers().get("origin")?;
            let project = api_project(&req, env).await;
            let resp = match project {
                Ok((project, providers)) => {
                    check_origin(&project, origin.as_deref())?;
                    api(&mut req, env, method, rest, &project, providers).await
                }
                Err(e) => Err(e),
            };
            let resp = resp.or_else(ApiError::into_response)?;
            cors(resp, origin.as_deref())
        }
        (_, ["admin", ..]) => {
            if !keys::admin_authorized(env, req.headers().get("authorization")?.as_deref()) {
                return Err(ApiError::Unauthorized);
            }
            let body = body_bytes(&mut req).await?;
            match (method, segments.as_slice()) {
                (Method::Put, ["admin", "projects", pid]) => {
                    json_response(&admin::put_project(env, pid, &body, now_secs()).await?, 200)
                }
                (Method::Put, ["admin", "projects", pid, "providers", provider]) => {
                    let provider = percent_decode(provider);
                    json_response(
                        &admin::put_provider(env, pid, &provider, &body, now_secs()).await?,
                        200,
                    )
                }
                (_, ["admin", "projects", ..]) => Err(ApiError::MethodNotAllowed),
                _ => Err(ApiError::NotFound),
            }
        }
        _ => Err(ApiError::NotFound),
    }
}

/// Loads the project named by the `project-id` header (all its providers).
async fn api_project(req: &Request, env: &Env) -> ApiResult<(Project, Vec<model::Provider>)> {
    let pid = req
        .headers()
        .get("project-id")?
        .ok_or_else(|| ApiError::InvalidRequest("the project-id header is required".into()))?;
    if !admin::valid_project_id(&pid) {
        return Err(ApiError::ProjectNotFound);
    }
    store::project_with_providers(&env.d1("DB")?, &pid, None).await
}

async fn api(
    req: &mut Request,
    env: &Env,
    method: Method,
    rest: &[&str],
    project: &Project,
    providers: Vec<model::Provider>,
) -> ApiResult<Response> {
    match (method, rest) {
        (Method::Get, ["providers"]) => {
            let list: Vec<Value> = providers
                .iter()
                .filter(|p| p.enabled)
                .map(|p| {
                    json!({
                        "provider": p.name,
                        "kind": "oidc",
                        "client_id": p.config.client_id,
                        "authorization_endpoint": p.config.authorization_endpoint,
                        "scopes": p.config.scopes,
                        "response_mode": "query",
                        "sign_up_enabled": p.config.options.sign_up_enabled && project.self_registration,
                    })
                })
                .collect();
            json_response(&json!({ "providers": list }), 200)
        }
        (Method::Post, ["login", "social"]) => {
            let bytes = body_bytes(req).await?;
            let body: login::LoginBody = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::InvalidRequest(format!("invalid body: {e}")))?;
            let provider = providers
                .into_iter()
                .find(|p| p.name == body.provider && p.enabled)
                .ok_or_else(|| ApiError::ProviderNotEnabled(body.provider.clone()))?;
            let url = req.url()?;
            let issuer = env
                .var("KITH_ISSUER")
                .map(|v| v.to_string())
                .unwrap_or_else(|_| url.origin().ascii_serialization());
            let session = login::login(env, project, &provider, body, &issuer, now_secs()).await?;
            json_response(&session, 200)
        }
        (_, ["providers"] | ["login", "social"]) => Err(ApiError::MethodNotAllowed),
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

/// Decodes `%3A` and friends in a path segment (`oidc%3Adev` → `oidc:dev`).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
