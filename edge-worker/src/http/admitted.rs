//! The one-round-trip path of a returning user's sign-in (id_token form) and of a refresh:
//! the project's configuration from the isolate's cache, the rate-limit count and the proof
//! that the cache is current inside the request's own batch (`adapters::admitted`).
//!
//! The attempt runs on a copy of the request. It answers only when its guarded batch
//! committed (or the guard refused it for the rate limit); in every other case — no cached
//! configuration, the cache's version moved, an origin the cached project does not list, or
//! any failure before the batch committed (a refusal decided on the cached configuration, a
//! token that does not verify) — the request goes the ordinary way, on configuration read
//! fresh and counted there. So the cache can only ever admit what fresh configuration would,
//! and every request is counted exactly once. Code-form sign-ins never take this path: the
//! provider's code is single-use, so that exchange could not be retried.

use super::auth::{dispatch, limited, Call};
use super::context::{admitted_platform, client_ip, now_secs};
use super::{body, cors};
use crate::adapters::admitted::{Admission, Outcome, Rate, Refused};
use crate::adapters::config_cache;
use crate::app::config::{limit_of, rate_key, window_of};
use crate::domain::ProjectId;
use crate::error::{ApiError, ApiResult};
use std::rc::Rc;
use worker::{Env, Method, Request, Response};

/// The answer of the one-round-trip path, `None` when the request must go the ordinary way.
/// The flag says whether the origin was admitted (CORS headers).
pub async fn attempt(
    req: &mut Request,
    env: &Env,
    rest: &[&str],
    origin: Option<&str>,
) -> ApiResult<Option<(ApiResult<Response>, bool)>> {
    let method = req.method();
    let eligible = match (&method, rest) {
        (Method::Post, ["refresh"]) => true,
        (Method::Post, ["login", "social"]) => id_token_form(req).await?,
        _ => false,
    };
    let Some(limited) = limited(&method, rest).filter(|_| eligible) else {
        return Ok(None);
    };
    let Some(pid) = req
        .headers()
        .get("project-id")?
        .and_then(|p| ProjectId::parse(&p))
    else {
        return Ok(None);
    };
    let now = now_secs();
    let Some(config) = config_cache::get(pid.as_str(), now) else {
        return Ok(None);
    };
    if cors::check_origin(&config.project, origin).is_err() {
        return Ok(None);
    }
    let admission = Admission {
        project_id: pid.as_str().to_owned(),
        version: config.version,
        rate: Some(Rate {
            key: rate_key(limited, &client_ip(req)),
            window: window_of(now),
            origin: origin.map(str::to_owned),
            limit: limit_of(&config, limited),
        }),
    };
    let outcome = Rc::new(Outcome::default());
    let platform = admitted_platform(env, Some(admission), outcome.clone()).await?;
    let mut copy = req.clone()?;
    let call = Call {
        req: &mut copy,
        env,
        platform,
        config,
        now,
    };
    let answer = dispatch(call, rest).await;
    Ok(match (outcome.refused.get(), outcome.committed.get()) {
        (Some(Refused::RateLimited), _) => Some((Err(ApiError::RateLimited), true)),
        (Some(Refused::Stale), _) => {
            config_cache::forget(pid.as_str());
            None
        }
        (None, true) => Some((answer, true)),
        (None, false) => None,
    })
}

/// Whether a sign-in body is the id_token form (read from a copy; the request stays unread).
async fn id_token_form(req: &Request) -> ApiResult<bool> {
    let mut copy = req.clone()?;
    let Ok(bytes) = body::bytes(&mut copy).await else {
        return Ok(false);
    };
    Ok(serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("id_token").map(serde_json::Value::is_string))
        .unwrap_or(false))
}
