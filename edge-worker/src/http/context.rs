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
        _ => {
            let url = req.inner().url();
            match served_origin(&url) {
                Some(origin) => Ok(origin.to_owned()),
                None => Ok(req.url()?.origin().ascii_serialization()),
            }
        }
    }
}

/// The origin of the URL a request was served at, read off the runtime's serialized
/// `request.url` without parsing it again: for `http`/`https` the WHATWG serializer writes
/// `scheme://host[:port]` (lower-case host, no default port) and then the path, which is never
/// empty. `None` for anything else (another scheme, userinfo): the caller parses those.
fn served_origin(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.find('/').map_or(rest, |end| &rest[..end]);
    if authority.is_empty() || authority.contains(['@', '?', '#']) {
        return None;
    }
    Some(&url[..url.len() - rest.len() + authority.len()])
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

#[cfg(test)]
mod tests {
    use super::served_origin;

    #[test]
    fn the_served_origin_is_the_serialized_url_before_its_path() {
        for (url, origin) in [
            (
                "https://auth.example.com/api/auth/login/social",
                Some("https://auth.example.com"),
            ),
            (
                "http://127.0.0.1:8787/api/auth/refresh?x=1",
                Some("http://127.0.0.1:8787"),
            ),
            ("https://[::1]:8443/", Some("https://[::1]:8443")),
            ("https://user:pw@auth.example.com/", None),
            ("ftp://example.com/", None),
            ("https:///", None),
        ] {
            assert_eq!(served_origin(url), origin, "{url}");
        }
    }

    #[test]
    fn it_agrees_with_the_url_crate() {
        for url in [
            "https://auth.example.com/a?b#c",
            "http://localhost:8787/",
            "https://xn--bcher-kva.example/",
            "http://10.0.0.1:8080/x",
        ] {
            let parsed = worker::Url::parse(url)
                .unwrap()
                .origin()
                .ascii_serialization();
            assert_eq!(served_origin(url), Some(parsed.as_str()), "{url}");
        }
    }
}
