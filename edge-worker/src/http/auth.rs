//! `/api/auth/*` for browsers and apps: providers, sign-in, refresh, sign-out, the user,
//! (in [`super::identities`]) linking and (in [`super::otp`]) email verification. Each
//! request names its project with the `project-id` header; browser calls are checked
//! against the project's origins.

use super::body::Body;
use super::context::{admitted_platform, bearer, client_ip, issuer, now_secs, session};
use super::{cors, identities, otp, wire};
use crate::adapters::d1::{Bookmark, Start, D1};
use crate::adapters::platform::WorkerPlatform;
use crate::app::config::{self, Limited, RateKey};
use crate::app::prove::{parse_claim, Claim, LoginBody, RedirectRule};
use crate::app::sessions::{self, AccessClaims, LogoutScope};
use crate::app::signin;
use crate::domain::project::Config;
use crate::domain::{ProjectId, Provider, RefreshToken};
use crate::error::{ApiError, ApiResult};
use kith_claims::Verified;
use serde::Deserialize;
use serde_json::{json, Value};
use std::rc::Rc;
use worker::{Env, Method, Request, Response};

/// One `/api/auth` request, its project's configuration loaded.
pub struct Call<'a> {
    pub req: &'a Request,
    /// The request's body, read once (`http::body::Body`).
    pub body: &'a Body,
    pub env: &'a Env,
    pub platform: WorkerPlatform,
    pub config: Config,
    pub now: i64,
}

impl Call<'_> {
    /// The verified claims of this request's `Authorization: Bearer` access token.
    pub async fn bearer(&self) -> ApiResult<Verified<AccessClaims>> {
        let keys = &self.platform.crypto.keys;
        bearer(keys, self.env, self.req, &self.config.project, self.now).await
    }
}

/// The request header (and answer header) carrying a D1 bookmark.
pub const BOOKMARK: &str = "kith-bookmark";

/// Routes `/api/auth/{rest}`; the answer carries CORS headers for `origin` and the bookmark
/// of the request's D1 session.
pub async fn handle(req: &mut Request, env: &Env, rest: &[&str]) -> ApiResult<Response> {
    let origin = req.headers().get("origin")?;
    let body = Body::read(req).await;
    let req = &*req;
    let db = D1::open(env, &start(req, rest)?)?;
    let fast = super::admitted::attempt((req, &body), (env, &db), rest, origin.as_deref());
    let (resp, admitted) = match fast.await? {
        Some(answer) => answer,
        None => match prepare((req, &body), (env, &db), rest, origin.as_deref()).await {
            Ok(call) => (dispatch(call, rest).await, true),
            // Past the origin check: the page may read why (the SDK backs off on 429).
            Err(e @ ApiError::RateLimited) => (Err(e), true),
            Err(e) => (Err(e), false),
        },
    };
    let resp = match resp {
        Ok(r) => r,
        Err(e) => wire::error_response(&e)?,
    };
    if let Some(bookmark) = db.bookmark() {
        resp.headers().set(BOOKMARK, &bookmark)?;
    }
    if admitted {
        cors::allow(resp, origin.as_deref())
    } else {
        // No CORS headers for an origin the project does not list (or no project).
        Ok(resp)
    }
}

/// Where the request's D1 session starts. `GET /user` is the one read that writes nothing:
/// it starts at a replica at least as recent as the caller's bookmark, or at the primary
/// without one, so a caller's own sign-in or link is always seen. Everything else writes
/// (the providers list too: its rate-limit count, which is all it sends to D1 once the
/// configuration is cached) and starts at the primary.
fn start(req: &Request, rest: &[&str]) -> ApiResult<Start> {
    let bookmark = req
        .headers()
        .get(BOOKMARK)?
        .and_then(|b| Bookmark::parse(&b));
    Ok(match (req.method(), rest, bookmark) {
        (Method::Get, ["user"], Some(bookmark)) => Start::After(bookmark),
        _ => Start::Primary,
    })
}

/// Which budget a route spends.
pub fn limited(method: &Method, rest: &[&str]) -> Option<Limited> {
    match (method, rest) {
        // Linking proves a provider account exactly as a sign-in does: same limit.
        (Method::Post, ["login", "social"] | ["identities"]) => Some(Limited::SignIn),
        (Method::Post, ["refresh"]) => Some(Limited::Refresh),
        // Each try of a code is counted here as well as against its verification.
        (Method::Post, ["verify-email"] | ["verify-email", "resend"]) => Some(Limited::Verify),
        (Method::Get, ["providers"]) => Some(Limited::Read),
        (Method::Post, ["session", "check"]) => Some(Limited::Check),
        _ => None,
    }
}

async fn prepare<'a>(
    (req, body): (&'a Request, &'a Body),
    (env, db): (&'a Env, &D1),
    rest: &[&str],
    origin: Option<&str>,
) -> ApiResult<Call<'a>> {
    let pid = req
        .headers()
        .get("project-id")?
        .ok_or_else(|| ApiError::InvalidRequest("the project-id header is required".into()))?;
    let pid = ProjectId::parse(&pid).ok_or(ApiError::ProjectNotFound)?;
    let now = now_secs();
    let limit = limited(&req.method(), rest);
    let ip = client_ip(req);
    let rate = limit.map(|limited| RateKey {
        limited,
        client_ip: &ip,
        origin,
    });
    let platform = admitted_platform(env, db.clone(), None, Rc::default()).await?;
    // One round trip; the counter moves only for an origin the project admits.
    let config = config::load(&platform.db, &pid, rate.as_ref(), now).await?;
    crate::adapters::config_cache::put(&config, now);
    cors::check_origin(&config.project, origin)?;
    config::check_rate(&config, limit)?;
    Ok(Call {
        req,
        body,
        env,
        platform,
        config,
        now,
    })
}

pub async fn dispatch(call: Call<'_>, rest: &[&str]) -> ApiResult<Response> {
    match (call.req.method(), rest) {
        (Method::Get, ["providers"]) => {
            // From the cached configuration: counted by the guard alone (`Admitted::admit`).
            call.platform.db.admit().await?;
            wire::json_response(&providers(&call.config), 200)
        }
        (Method::Post, ["login", "social"]) => login(call).await,
        (Method::Post, ["refresh"]) => refresh(call).await,
        (Method::Post, ["logout"]) => logout(call).await,
        (Method::Get, ["user"]) => user(call).await,
        (Method::Post, ["session", "check"]) => session_check(call).await,
        (Method::Post, ["identities"]) => identities::link(call).await,
        (Method::Post, ["verify-email"]) => otp::verify(call).await,
        (Method::Post, ["verify-email", "resend"]) => otp::resend(call).await,
        (Method::Delete, ["identities", provider]) => identities::unlink(call, provider).await,
        (Method::Get, ["identities", provider, "token"]) => identities::token(call, provider).await,
        (
            _,
            ["providers"]
            | ["login", "social"]
            | ["refresh"]
            | ["logout"]
            | ["user"]
            | ["session", "check"]
            | ["identities"]
            | ["identities", _]
            | ["identities", _, "token"]
            | ["verify-email"]
            | ["verify-email", "resend"],
        ) => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound),
    }
}

/// `GET /api/auth/providers`: the public facts the SDK needs, never a secret.
fn providers(config: &Config) -> Value {
    let project = &config.project;
    let list: Vec<Value> = config
        .providers
        .iter()
        .filter(|p| p.enabled)
        .map(|p| {
            let oauth2 = p.is_oauth2();
            let form_post = p.answers_with_form_post();
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
    json!({ "providers": list })
}

/// Signs a granted session and answers it.
pub async fn answer(call: &Call<'_>, granted: signin::Granted) -> ApiResult<Response> {
    let issuer = issuer(call.env, call.req)?;
    let keys = &call.platform.crypto.keys;
    let out = session(keys, &issuer, &call.config.project, granted, call.now).await?;
    wire::json_response(&out, 200)
}

/// Reads a sign-in (or link) body for its enabled provider: redirect URIs are the project's,
/// or the Worker's own form_post relay for that provider.
pub fn read_claim<'c>(call: &Call<'_>, config: &'c Config) -> ApiResult<(&'c Provider, Claim)> {
    let req = call.req;
    let b: LoginBody = call.body.json()?;
    let provider = config::enabled_provider(config, &b.provider)?;
    let own_relay = super::flow::callback_url(req, &config.project.id, &b.provider)?;
    let rule = RedirectRule {
        project: &config.project,
        own_relay: &own_relay,
    };
    Ok((provider, parse_claim(b, &rule, provider)?))
}

async fn login(call: Call<'_>) -> ApiResult<Response> {
    let (provider, claim) = read_claim(&call, &call.config)?;
    let project = &call.config.project;
    let granted = signin::sign_in(&call.platform, project, provider, claim, call.now).await?;
    answer(&call, granted).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshBody {
    refresh_token: String,
}

async fn refresh(call: Call<'_>) -> ApiResult<Response> {
    let b: RefreshBody = call.body.json()?;
    let token = RefreshToken::new(b.refresh_token);
    let (db, crypto) = (&call.platform.db, &call.platform.crypto);
    let rotated = sessions::refresh(db, crypto, &call.config.project, &token, call.now).await?;
    answer(&call, rotated).await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogoutBody {
    #[serde(default)]
    scope: Option<String>,
}

async fn logout(call: Call<'_>) -> ApiResult<Response> {
    let project = &call.config.project;
    let claims = call.bearer().await?;
    let b: LogoutBody = call.body.json_or_default()?;
    let scope = match b.scope.as_deref() {
        None | Some("local") => LogoutScope::Local,
        Some("global") => LogoutScope::Global,
        Some(_) => {
            return Err(ApiError::InvalidRequest(
                "scope must be \"local\" or \"global\"".into(),
            ))
        }
    };
    sessions::logout(&call.platform.db, project, &claims, scope, call.now).await?;
    wire::no_content()
}

async fn user(call: Call<'_>) -> ApiResult<Response> {
    let project = &call.config.project;
    let claims = call.bearer().await?;
    let user = sessions::current_user(&call.platform.db, project, &claims, call.now).await?;
    wire::json_response(&user, 200)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CheckBody {
    #[serde(default)]
    sid: Option<String>,
}

/// `POST /api/auth/session/check` with `{"sid"}`, or with `Authorization: Bearer` (the
/// token's own session; the token must verify) → `{"active": bool}`.
async fn session_check(call: Call<'_>) -> ApiResult<Response> {
    let project = &call.config.project;
    let has_bearer = call.req.headers().get("authorization")?.is_some();
    let b: CheckBody = call.body.json_or_default()?;
    let sid = match (b.sid, has_bearer) {
        (Some(sid), false) => sid,
        (None, true) => call.bearer().await?.sid.clone(),
        (Some(_), true) => {
            return Err(ApiError::InvalidRequest(
                "send either a sid or a bearer token, not both".into(),
            ))
        }
        (None, false) => {
            return Err(ApiError::InvalidRequest(
                "a sid or a bearer token is required".into(),
            ))
        }
    };
    let active = sessions::is_active(&call.platform.db, project, &sid, call.now).await?;
    wire::json_response(&json!({ "active": active }), 200)
}
