//! What a handler needs from the request and the Worker's environment: the clock, the
//! platform, the issuer, the client IP, the bearer's claims and the signed session.

use crate::adapters::admitted::{Admission, Admitted, Outcome};
use crate::adapters::d1::{Start, D1};
use crate::adapters::keys::{self, Keys};
use crate::adapters::platform::{WebCrypto, WorkerPlatform};
use crate::adapters::webcrypto::WebCryptoVerifier;
use crate::app::sessions::{self, AccessClaims};
use crate::app::signin::Granted;
use crate::domain::{Project, SessionOut};
use crate::error::ApiResult;
use kith_claims::Verified;
use std::rc::Rc;
use worker::{Date, Env, Request};

/// Unix seconds now.
pub fn now_secs() -> i64 {
    i64::try_from(Date::now().as_millis() / 1000).unwrap_or(i64::MAX)
}

/// The D1 binding, in a session at the primary.
pub fn database(env: &Env) -> ApiResult<D1> {
    Ok(D1::open(env, &Start::Primary)?)
}

/// The production platform with the isolate's keys, its queries at the primary.
pub async fn platform(env: &Env) -> ApiResult<WorkerPlatform> {
    admitted_platform(env, database(env)?, None, Rc::default()).await
}

/// The production platform on the request's D1 session `db`, whose batches carry
/// `admission`'s guard (`adapters::admitted`) when the configuration came from the
/// isolate's cache.
pub async fn admitted_platform(
    env: &Env,
    db: D1,
    admission: Option<Admission>,
    outcome: Rc<Outcome>,
) -> ApiResult<WorkerPlatform> {
    Ok(WorkerPlatform {
        db: Admitted::new(db, admission, outcome),
        crypto: WebCrypto {
            keys: keys::load(env).await?,
        },
    })
}

/// The client's IP (Cloudflare sets `cf-connecting-ip`).
pub fn client_ip(req: &Request) -> String {
    req.headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .unwrap_or_else(|| "unknown".into())
}

/// Kith's issuer: the `KITH_ISSUER` variable, or the request's origin.
pub fn issuer(env: &Env, req: &Request) -> ApiResult<String> {
    match env.var("KITH_ISSUER").map(|v| v.to_string()) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Ok(req.url()?.origin().ascii_serialization()),
    }
}

/// The verified claims of the request's `Authorization: Bearer` access token: signed by this
/// Worker (its issuer), for `project`, live at `now`.
pub async fn bearer(
    keys: &Keys,
    env: &Env,
    req: &Request,
    project: &Project,
    now: i64,
) -> ApiResult<Verified<AccessClaims>> {
    let authorization = req.headers().get("authorization")?;
    let issuer = issuer(env, req)?;
    sessions::bearer(
        &keys.public,
        &WebCryptoVerifier,
        authorization.as_deref(),
        project,
        &issuer,
        now,
    )
    .await
}

/// The session answer for a granted sign-in or refresh: the access token signed with the
/// active key for `project` with Kith's issuer.
pub async fn session(
    keys: &Rc<Keys>,
    issuer: &str,
    project: &Project,
    granted: Granted,
    now: i64,
) -> ApiResult<SessionOut> {
    let claims = sessions::access_claims(issuer, project, &granted, now);
    let access_token = keys.active()?.sign_jwt(&claims).await?;
    let ttl = project.settings.access_token_ttl_secs;
    Ok(SessionOut {
        access_token,
        token_type: "bearer",
        expires_in: ttl,
        expires_at: now + ttl,
        refresh_token: granted.refresh_token.into_exposed(),
        user: granted.user,
    })
}
