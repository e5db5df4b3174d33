//! Kith's own sessions: ES256 access tokens (CONTRACT "Keys and discovery") and the bearer
//! check of `/api/auth/user`, `/api/auth/logout` and the identity endpoints.

use crate::error::{ApiError, ApiResult};
use crate::keys::Keys;
use crate::model::{Project, SessionOut, UserOut};
use crate::signin::Granted;
use crate::webcrypto::WebCryptoVerifier;
use kith_claims::{Alg, SignatureVerifier, UnverifiedJws};
use serde::Deserialize;
use serde_json::json;

/// What a session is issued for.
pub struct Grant<'a> {
    pub issuer: &'a str,
    pub project: &'a Project,
    pub session_id: &'a str,
    pub amr: &'a str,
    pub now: i64,
}

/// Signs the access token and assembles the CONTRACT session answer.
pub async fn issue(
    keys: &Keys,
    g: &Grant<'_>,
    user: UserOut,
    refresh_token: String,
) -> ApiResult<SessionOut> {
    let ttl = g.project.settings.access_token_ttl_secs;
    let exp = g.now + ttl;
    let claims = json!({
        "iss": g.issuer,
        "aud": g.project.id,
        "sub": user.id,
        "sid": g.session_id,
        "iat": g.now,
        "exp": exp,
        "email": user.email,
        "email_verified": user.email_verified,
        "roles": user.roles,
        "permissions": [],
        "amr": [g.amr],
    });
    let access_token = keys.active()?.sign_jwt(&claims).await?;
    Ok(SessionOut {
        access_token,
        token_type: "bearer",
        expires_in: ttl,
        expires_at: exp,
        refresh_token,
        user,
    })
}

/// The session answer for a granted sign-in or refresh: the access token signed for `project`
/// with Kith's issuer (`KITH_ISSUER`, or the request's origin).
pub async fn answer(
    env: &worker::Env,
    req: &worker::Request,
    project: &Project,
    granted: Granted,
    now: i64,
) -> ApiResult<SessionOut> {
    let keys = crate::keys::load(env).await?;
    let issuer = crate::issuer(env, req)?;
    let grant = Grant {
        issuer: &issuer,
        project,
        session_id: &granted.session_id,
        amr: &granted.amr,
        now,
    };
    issue(&keys, &grant, granted.user, granted.refresh_token).await
}

/// The claims of a verified Kith access token that the Worker acts on.
#[derive(Debug, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub sid: String,
    pub aud: String,
    pub exp: i64,
}

/// Verifies `Authorization: Bearer <access token>` for `project` at `now`: Kith's own ES256
/// signature (by `kid`, from `SESSION_SIGNING_KEYS`), audience and expiry. Whether the session
/// is still live is checked against D1 by the caller.
pub async fn bearer(
    keys: &Keys,
    authorization: Option<&str>,
    project: &Project,
    now: i64,
) -> ApiResult<AccessClaims> {
    let token = authorization
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or_else(|| ApiError::InvalidToken("no bearer token".into()))?;
    let invalid = |e: kith_claims::Error| ApiError::InvalidToken(e.to_string());
    let jws = UnverifiedJws::parse(token.trim()).map_err(invalid)?;
    let alg = jws.alg_in(&[Alg::Es256]).map_err(invalid)?;
    let key = keys.public.select(&jws, alg).map_err(invalid)?;
    if !WebCryptoVerifier
        .verify(alg, key, jws.signing_input(), jws.signature())
        .await
        .map_err(invalid)?
    {
        return Err(ApiError::InvalidToken("signature does not verify".into()));
    }
    let claims: AccessClaims = serde_json::from_slice(jws.payload())
        .map_err(|e| ApiError::InvalidToken(format!("claims: {e}")))?;
    if claims.aud != project.id {
        return Err(ApiError::InvalidToken(
            "token is for another project".into(),
        ));
    }
    if claims.exp <= now {
        return Err(ApiError::InvalidToken("token expired".into()));
    }
    Ok(claims)
}
