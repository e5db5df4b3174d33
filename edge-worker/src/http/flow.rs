//! `/oauth/projects/{pid}/providers/{provider}/start|callback` and `POST /oauth/token`: the
//! server-driven flow's HTTP face (the service and its security argument: `app::flow`).

use super::context::{client_ip, issuer, now_secs, platform, session};
use super::{body, cors, wire};
use crate::app::config::{self, Limited, RateKey};
use crate::app::flow::{self, Callback, Ending, Route, StartParams};
use crate::app::relay::{self, with_query, Arrival};
use crate::domain::ProjectId;
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::{classify_state, form_decode, form_encode, CallbackState};
use serde::Deserialize;
use serde_json::json;
use worker::{Env, Method, Request, Response};

/// The Worker's own callback for a project and provider: the server-driven flow's, and the
/// form_post relay's (the one `redirect_uri` besides the project's own the Worker accepts for
/// Apple's code exchange).
pub fn callback_url(req: &Request, pid: &ProjectId, provider: &str) -> ApiResult<String> {
    let origin = req.url()?.origin().ascii_serialization();
    Ok(format!(
        "{origin}/oauth/projects/{pid}/providers/{}/callback",
        form_encode(provider)
    ))
}

fn project_id(pid: &str) -> ApiResult<ProjectId> {
    ProjectId::parse(pid).ok_or(ApiError::ProjectNotFound)
}

/// `GET .../start?code_challenge=&code_challenge_method=S256&state=&redirect_to=`.
pub async fn start(req: &Request, env: &Env, pid: &str, provider: &str) -> ApiResult<Response> {
    let pid = project_id(pid)?;
    let callback = callback_url(req, &pid, provider)?;
    let route = Route {
        project_id: &pid,
        provider,
        callback_url: &callback,
    };
    let url = req.url()?;
    let query = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    let (redirect_to, challenge) = (query("redirect_to"), query("code_challenge"));
    let (method, state) = (query("code_challenge_method"), query("state"));
    let params = StartParams {
        redirect_to: redirect_to.as_deref(),
        code_challenge: challenge.as_deref(),
        code_challenge_method: method.as_deref(),
        state: state.as_deref(),
    };
    let ip = client_ip(req);
    // Counted whatever the origin: these are navigations and server calls, not CORS calls.
    let rate = RateKey {
        limited: Limited::Flow,
        client_ip: &ip,
        origin: None,
    };
    let p = platform(env).await?;
    let (auth_url, state) = flow::start(&p, &route, &params, &rate, now_secs()).await?;
    wire::json_response(&json!({ "auth_url": auth_url, "state": state }), 200)
}

fn see_other(location: &str) -> ApiResult<Response> {
    let resp = Response::empty()?.with_status(303);
    resp.headers().set("location", location)?;
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}

async fn params(req: &mut Request) -> ApiResult<Vec<(String, String)>> {
    if req.method() == Method::Post {
        let bytes = body::bytes(req).await?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ApiError::InvalidRequest("the form is not UTF-8".into()))?;
        Ok(form_decode(&text))
    } else {
        Ok(req
            .url()?
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect())
    }
}

/// Where the callback sends the user: `redirect_to` with the Kith code (or the error) and
/// the caller's state in the query; without `redirect_to`, the same as JSON.
fn ending(e: Ending) -> ApiResult<Response> {
    let Ending {
        redirect_to,
        client_state,
        outcome,
    } = e;
    let state = client_state.as_deref();
    let Some(to) = redirect_to else {
        let code = outcome?;
        return wire::json_response(&json!({ "code": code, "state": state }), 200);
    };
    let location = match &outcome {
        Ok(code) => with_query(&to, &[("code", Some(code)), ("state", state)]),
        Err(err) => {
            wire::log(err);
            with_query(
                &to,
                &[("error", Some(err.code().as_str())), ("state", state)],
            )
        }
    };
    see_other(&location)
}

/// `GET|POST .../callback`: the state says which it is, explicitly (`classify_state`): the
/// SDK's relay state (`kr1.`…) is relayed to its app page, any other state is the Worker's
/// own flow's; a relay state that does not parse is refused, never tried as the other.
pub async fn callback(
    req: &mut Request,
    env: &Env,
    pid: &str,
    provider: &str,
) -> ApiResult<Response> {
    let pid = project_id(pid)?;
    let callback = callback_url(req, &pid, provider)?;
    let route = Route {
        project_id: &pid,
        provider,
        callback_url: &callback,
    };
    let ip = client_ip(req);
    // Apple's form_post arrives with Apple's origin: counted whatever the origin.
    let rate = RateKey {
        limited: Limited::Flow,
        client_ip: &ip,
        origin: None,
    };
    let arrival = match req.method() {
        Method::Post => Arrival::FormPost,
        _ => Arrival::Query,
    };
    let params = params(req).await?;
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let state = get("state").unwrap_or_default();
    let p = platform(env).await?;
    match classify_state(&state) {
        CallbackState::Relay { app_page } => {
            let to = relay::relay(&p, &route, arrival, &app_page, &get, &rate, now_secs()).await?;
            see_other(&to)
        }
        CallbackState::MalformedRelay => Err(ApiError::InvalidRequest(
            "the relay state is malformed".into(),
        )),
        CallbackState::Worker(_) => {
            let e = flow::callback(&p, &route, &Callback { get: &get }, &rate, now_secs()).await?;
            ending(e)
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    code: String,
    code_verifier: String,
}

/// `POST /oauth/token {code, code_verifier}` (header `project-id`): the session.
pub async fn token(req: &mut Request, env: &Env) -> ApiResult<Response> {
    let origin = req.headers().get("origin")?;
    let pid = req
        .headers()
        .get("project-id")?
        .ok_or_else(|| ApiError::InvalidRequest("the project-id header is required".into()))?;
    let pid = project_id(&pid)?;
    let now = now_secs();
    let ip = client_ip(req);
    let rate = RateKey {
        limited: Limited::Flow,
        client_ip: &ip,
        origin: origin.as_deref(),
    };
    let p = platform(env).await?;
    let config = config::load(&p.db, &pid, Some(&rate), now).await?;
    cors::check_origin(&config.project, origin.as_deref())?;
    let answer = async {
        config::check_rate(&config, Some(Limited::Flow))?;
        let b: TokenBody = body::read_json(req).await?;
        let granted = flow::exchange(&p, &config.project, &b.code, &b.code_verifier, now).await?;
        let issuer = issuer(env, req)?;
        let out = session(&p.crypto.keys, &issuer, &config.project, granted, now).await?;
        wire::json_response(&out, 200)
    }
    .await;
    let resp = answer.or_else(|e| wire::error_response(&e).map_err(ApiError::from))?;
    cors::allow(resp, origin.as_deref())
}
