//! The HTTP face of the Worker: the route table, CORS, body limits and the one mapping of
//! errors to the wire ([`wire`]). Handlers are thin: parse, call a service of `app`, render.

pub mod admin;
pub mod admitted;
pub mod auth;
pub mod body;
pub mod console;
pub mod context;
pub mod cors;
pub mod flow;
pub mod identities;
pub mod otp;
pub mod wire;

use crate::adapters::keys;
use crate::error::ApiResult;
use serde_json::{json, Value};
use worker::{Env, Method, Request, Response};

/// Answers one request; every failure becomes its stable JSON error.
pub async fn handle(req: Request, env: &Env) -> worker::Result<Response> {
    match route(req, env).await {
        Ok(resp) => Ok(resp),
        Err(e) => wire::error_response(&e),
    }
}

async fn jwks(env: &Env) -> ApiResult<Response> {
    let keys = keys::load(env).await?;
    let list: Vec<&Value> = keys.signing.iter().map(|k| k.public_jwk()).collect();
    let resp = Response::from_json(&json!({ "keys": list }))?;
    resp.headers().set("cache-control", "public, max-age=300")?;
    Ok(resp)
}

async fn route(mut req: Request, env: &Env) -> ApiResult<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let decode = kith_claims::oauth::percent_decode;
    match (req.method(), segments.as_slice()) {
        (Method::Get, [".well-known", "jwks.json"]) => jwks(env).await,
        (Method::Options, ["api", ..] | ["oauth", "token"]) => {
            cors::preflight(&context::database(env)?, &req).await
        }
        (_, ["api", "auth", rest @ ..]) => auth::handle(&mut req, env, rest).await,
        (Method::Get, ["oauth", "projects", pid, "providers", provider, "start"]) => {
            flow::start(&req, env, pid, &decode(provider)).await
        }
        (
            Method::Get | Method::Post,
            ["oauth", "projects", pid, "providers", provider, "callback"],
        ) => flow::callback(&mut req, env, pid, &decode(provider)).await,
        (Method::Post, ["oauth", "token"]) => flow::token(&mut req, env).await,
        (Method::Get, ["admin", "projects"]) => admin::list_projects(&req, env).await,
        (_, ["admin", "projects"]) => Err(crate::error::ApiError::MethodNotAllowed),
        (_, ["admin", "projects", pid, rest @ ..]) => admin::handle(&mut req, env, pid, rest).await,
        (Method::Get, ["admin", "console", rest @ ..]) => console::serve(rest),
        _ => Err(crate::error::ApiError::NotFound),
    }
}
