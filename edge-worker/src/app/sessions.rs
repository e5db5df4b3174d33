//! Kith's own sessions: refresh rotation, sign-out, the signed-in user, and the checks of
//! the access token an API call presents (`Authorization: Bearer`).

use super::derive::successor_token;
use super::ports::Crypto;
use super::refresh_token::{self, Presented};
use super::signin::Granted;
use crate::adapters::sql::sessions as sql;
use crate::app::store::Db;
use crate::domain::{Project, RefreshToken, SessionId, UserOut};
use crate::error::{ApiError, ApiResult};
pub use kith_claims::access_token::AccessClaims;
use kith_claims::access_token::{self, AccessExpectations};
use kith_claims::hex::sha256_hex as hash_hex;
use kith_claims::jose::{JwkSet, SignatureVerifier};
use kith_claims::Verified;
use serde_json::{json, Value};

/// Longest refresh token looked up (Kith issues ~120 characters).
const MAX_REFRESH_TOKEN_LEN: usize = 256;

/// `POST /api/auth/refresh`: rotates `token` to its successor, derived from it with the
/// refresh key (`app::refresh_token`), so racing tabs get the same one and no refresh token
/// is stored in plaintext. Within the project's grace of the rotation, presenting the old
/// token again answers the same successor; after it, the reuse revokes the session (see
/// `sql::rotate`). A token whose tag does not verify is refused without a read.
pub async fn refresh<D: Db, C: Crypto>(
    db: &D,
    crypto: &C,
    project: &Project,
    token: &RefreshToken,
    now: i64,
) -> ApiResult<Granted> {
    let token = token.expose();
    if token.len() > MAX_REFRESH_TOKEN_LEN {
        return Err(ApiError::InvalidRefreshToken);
    }
    let (pid, grace) = (project.id.as_str(), project.settings.refresh_grace_secs);
    let keys = crypto.refresh_keys();
    let (refreshed, successor) = match refresh_token::parse(keys, token) {
        Presented::Generation(g) => {
            let successors = g.successors(keys);
            let hashes: Vec<String> = successors.iter().map(|t| hash_hex(t.expose())).collect();
            let rotation = sql::Rotation {
                session_id: g.session_id,
                generation: g.generation,
                hash: &hash_hex(g.token()),
                successors: &hashes,
            };
            let refreshed = sql::rotate(db, pid, &rotation, now, grace).await?;
            // The successor the session holds: the one written, or a racing tab's in place.
            let held = refreshed.as_ref().and_then(|r| r.current_hash.as_deref());
            let successor = successors
                .into_iter()
                .zip(&hashes)
                .find(|(_, h)| Some(h.as_str()) == held);
            match successor {
                Some((successor, _)) => (refreshed, successor),
                None => (None, RefreshToken::new(String::new())),
            }
        }
        Presented::Legacy(token) => {
            let successor = successor_token(refresh_token::making_key(keys), token);
            let hashes = (&hash_hex(token)[..], &hash_hex(&successor)[..]);
            let refreshed = sql::refresh_legacy(db, pid, hashes, now, grace).await?;
            (refreshed, RefreshToken::new(successor))
        }
        Presented::Invalid => (None, RefreshToken::new(String::new())),
    };
    let refreshed = refreshed.ok_or(ApiError::InvalidRefreshToken)?;
    Ok(Granted {
        user: refreshed.user,
        session_id: SessionId::new(refreshed.session_id),
        refresh_token: successor,
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

/// Verifies `Authorization: Bearer <access token>` for `project` at `now` with Kith's own
/// key set `public`: the same checks an app backend makes (`kith_claims::access_token`:
/// ES256 only, `typ`, `iss` = this Worker, `aud` = the project, `exp` and `iat`, here with no
/// clock skew since the Worker's clock signed it). Whether the session is still live is
/// checked against storage by each service that acts on it.
pub async fn bearer<V: SignatureVerifier>(
    public: &JwkSet,
    verifier: &V,
    authorization: Option<&str>,
    project: &Project,
    issuer: &str,
    now: i64,
) -> ApiResult<Verified<AccessClaims>> {
    let token = authorization
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or_else(|| ApiError::InvalidToken("no bearer token".into()))?;
    let expect = AccessExpectations::new(issuer, project.id.as_str())
        .with_leeway(0)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    access_token::verify(token.trim(), public, &expect, now, verifier)
        .await
        .map_err(|e| ApiError::InvalidToken(e.to_string()))
}
