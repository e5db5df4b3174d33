//! Kith's own sessions: refresh rotation, sign-out, the signed-in user, and the checks of
//! the access token an API call presents (`Authorization: Bearer`).

use super::derive::successor_token;
use super::signin::Granted;
use crate::adapters::sql::sessions as sql;
use crate::app::store::Db;
use crate::domain::{Project, RefreshToken, SessionId, UserId, UserOut};
use crate::error::{ApiError, ApiResult};
use kith_claims::hex::sha256_hex as hash_hex;
use kith_claims::jose::{Alg, JwkSet, SignatureVerifier, UnverifiedJws};
use serde::Deserialize;
use serde_json::{json, Value};

/// Longest refresh token looked up (Kith issues 43 characters).
const MAX_REFRESH_TOKEN_LEN: usize = 256;

/// `POST /api/auth/refresh`: rotates `token` (see `sql::refresh` for the grace rule). The
/// successor is derived from the presented token with `successor_key`, so racing tabs get
/// the same one and no refresh token is stored in plaintext.
pub async fn refresh<D: Db>(
    db: &D,
    project: &Project,
    token: &RefreshToken,
    successor_key: &[u8],
    now: i64,
) -> ApiResult<Granted> {
    let token = token.expose();
    if token.is_empty() || token.len() > MAX_REFRESH_TOKEN_LEN {
        return Err(ApiError::InvalidRefreshToken);
    }
    let successor = successor_token(successor_key, token);
    let refreshed = sql::refresh(
        db,
        project.id.as_str(),
        &hash_hex(token),
        &hash_hex(&successor),
        now,
        project.settings.refresh_grace_secs,
    )
    .await?
    .ok_or(ApiError::InvalidRefreshToken)?;
    Ok(Granted {
        user: refreshed.user,
        session_id: SessionId::new(refreshed.session_id),
        refresh_token: RefreshToken::new(successor),
        amr: refreshed.amr.into_iter().next().unwrap_or_default(),
    })
}

/// Which sessions a sign-out ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoutScope {
    /// The presented session.
    Local,
    /// Every session of the user.
    Global,
}

/// `POST /api/auth/logout`.
pub async fn logout<D: Db>(
    db: &D,
    project: &Project,
    who: &AccessClaims,
    scope: LogoutScope,
    now: i64,
) -> ApiResult<()> {
    let sid = match scope {
        LogoutScope::Local => Some(who.sid.as_str()),
        LogoutScope::Global => None,
    };
    sql::revoke_sessions(db, project.id.as_str(), &who.sub, sid, now).await?;
    Ok(())
}

/// `GET /api/auth/user`: the user of a live session.
pub async fn current_user<D: Db>(
    db: &D,
    project: &Project,
    who: &AccessClaims,
    now: i64,
) -> ApiResult<UserOut> {
    sql::session_user(db, project.id.as_str(), &who.sid, &who.sub, now)
        .await?
        .ok_or_else(|| ApiError::InvalidToken("session revoked or expired".into()))
}

/// Longest session id looked up (Kith issues UUIDs).
const MAX_SID_LEN: usize = 128;

/// `POST /api/auth/session/check`: whether the session `sid` of `project` is live at `now`
/// (for app backends that verified an access token and want to know it was not signed out
/// since). Unknown, revoked, expired and other projects' sessions are all `false`: the
/// answer says nothing more about a session id than whether it is live here.
pub async fn is_active<D: Db>(db: &D, project: &Project, sid: &str, now: i64) -> ApiResult<bool> {
    if sid.is_empty() || sid.len() > MAX_SID_LEN {
        return Err(ApiError::InvalidRequest(format!(
            "sid must be 1-{MAX_SID_LEN} characters"
        )));
    }
    Ok(sql::session_active(db, project.id.as_str(), sid, now).await?)
}

/// The claims of Kith's access token for a granted session (CONTRACT "Keys and discovery").
pub fn access_claims(issuer: &str, project: &Project, granted: &Granted, now: i64) -> Value {
    let user = &granted.user;
    json!({
        "iss": issuer,
        "aud": project.id,
        "sub": user.id,
        "sid": granted.session_id,
        "iat": now,
        "exp": now + project.settings.access_token_ttl_secs,
        "email": user.email,
        "email_verified": user.email_verified,
        "roles": user.roles,
        "permissions": [],
        "amr": [granted.amr],
    })
}

/// The claims of a verified Kith access token that the Worker acts on.
#[derive(Debug, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub sid: String,
    pub aud: String,
    pub exp: i64,
}

impl AccessClaims {
    pub fn user_id(&self) -> UserId {
        UserId::new(self.sub.clone())
    }
}

/// Verifies `Authorization: Bearer <access token>` for `project` at `now`: Kith's own ES256
/// signature (by `kid`, among `public`), audience and expiry. Whether the session is still
/// live is checked against storage by each service that acts on it.
pub async fn bearer<V: SignatureVerifier>(
    public: &JwkSet,
    verifier: &V,
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
    let key = public.select(&jws, alg).map_err(invalid)?;
    if !verifier
        .verify(alg, key, jws.signing_input(), jws.signature())
        .await
        .map_err(invalid)?
    {
        return Err(ApiError::InvalidToken("signature does not verify".into()));
    }
    let claims: AccessClaims = serde_json::from_slice(jws.payload())
        .map_err(|e| ApiError::InvalidToken(format!("claims: {e}")))?;
    if claims.aud != project.id.as_str() {
        return Err(ApiError::InvalidToken(
            "token is for another project".into(),
        ));
    }
    if claims.exp <= now {
        return Err(ApiError::InvalidToken("token expired".into()));
    }
    Ok(claims)
}
