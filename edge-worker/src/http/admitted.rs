//! The one-round-trip path of a returning user's sign-in (id_token form), a refresh, the
//! providers list and `GET /user`: the project's configuration from the isolate's cache, the
//! rate-limit count and the proof that the cache is current inside the request's own batch
//! (`adapters::admitted`). `GET /user` writes nothing, so its proof is a read checked after
//! the batch, and the batch may run on a D1 read replica (`http::auth::start`).
//!
//! The attempt runs on the request's body read once (`http::body::Body`). It answers only
//! when its guarded batch committed (or the guard refused it for the rate limit); in every
//! other case — no cached configuration, the cache's version moved, an origin the cached
//! project does not list, or any failure before the batch committed (a refusal decided on
//! the cached configuration, a token that does not verify) — the request goes the ordinary
//! way, on configuration read fresh and counted there. One exception: a sign-in batch that
//! failed is read back by its single-use check (`adapters/sql/single_use.rs`), a batch
//! admitted and counted like any other, so a replay (or a database failure) is answered on
//! this path, counted once. So the cache can only ever admit what
//! fresh configuration would, and every request is counted exactly once. Code-form sign-ins
//! never take this path: the provider's code is single-use, so that exchange could not be
//! retried.

use super::auth::{dispatch, limited, Call};
use super::body::Body;
use super::context::{admitted_platform, client_ip, now_secs};
use super::cors;
use crate::adapters::admitted::{Admission, Outcome, Rate, Refused};
use crate::adapters::config_cache;
use crate::adapters::d1::D1;
use crate::app::config::{limit_of, rate_key, window_of};
use crate::domain::ProjectId;
use crate::error::{ApiError, ApiResult};
use std::rc::Rc;
use worker::{Env, Method, Request, Response};

/// The answer of the one-round-trip path, `None` when the request must go the ordinary way.
/// The flag says whether the origin was admitted (CORS headers).
pub async fn attempt(
    (req, body): (&Request, &Body),
    (env, db): (&Env, &D1),
    rest: &[&str],
    origin: Option<&str>,
) -> ApiResult<Option<(ApiResult<Response>, bool)>> {
    let method = req.method();
    let eligible = match (&method, rest) {
        (Method::Post, ["refresh"]) | (Method::Get, ["user" | "providers"]) => true,
        (Method::Post, ["login", "social"]) => id_token_form(body),
        _ => false,
    };
    if !eligible {
        return Ok(None);
    }
    // `GET /user` has no budget: it writes nothing, and its guard is a read.
    let limited = limited(&method, rest);
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
        rate: limited.map(|limited| Rate {
            key: rate_key(limited, &client_ip(req)),
            window: window_of(now),
            origin: origin.map(str::to_owned),
            limit: limit_of(&config, limited),
        }),
    };
    let outcome = Rc::new(Outcome::default());
    let platform = admitted_platform(env, db.clone(), Some(admission), outcome.clone()).await?;
    let call = Call {
        req,
        body,
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

/// Whether a sign-in body is the id_token form.
fn id_token_form(body: &Body) -> bool {
    #[derive(serde::Deserialize)]
    struct Form<'a> {
        #[serde(borrow)]
        id_token: Option<&'a str>,
    }
    body.bytes()
        .ok()
        .and_then(|b| serde_json::from_slice::<Form<'_>>(b).ok())
        .is_some_and(|f| f.id_token.is_some())
}
