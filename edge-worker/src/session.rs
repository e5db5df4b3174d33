//! Kith's own sessions: an ES256 access token and an opaque refresh token.

use crate::error::ApiResult;
use crate::keys::Keys;
use crate::model::{SessionOut, UserOut};
use crate::webcrypto::random_bytes;
use kith_claims::b64;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Access token lifetime.
pub const ACCESS_TTL_SECS: i64 = 3600;
/// Refresh token (session) lifetime.
pub const SESSION_TTL_SECS: i64 = 30 * 24 * 3600;

/// A new refresh token and the hash that is stored in its place.
pub struct RefreshToken {
    pub token: String,
    pub hash: String,
}

/// Lowercase hex SHA-256: how refresh tokens are stored (they carry 256 random bits, so a
/// plain hash suffices; the database never sees a usable token).
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Generates a refresh token from the runtime's CSPRNG.
pub fn new_refresh_token() -> ApiResult<RefreshToken> {
    let token = b64::encode(random_bytes::<32>()?);
    let hash = hash_token(&token);
    Ok(RefreshToken { token, hash })
}

/// What a session is issued for.
pub struct Grant<'a> {
    pub issuer: &'a str,
    pub project_id: &'a str,
    pub session_id: &'a str,
    pub amr: &'a str,
    pub now: i64,
}

/// Signs the access token and assembles the CONTRACT session answer.
pub async fn issue(
    keys: &Keys,
    g: &Grant<'_>,
    user: UserOut,
    refresh: RefreshToken,
) -> ApiResult<SessionOut> {
    let exp = g.now + ACCESS_TTL_SECS;
    let claims = json!({
        "iss": g.issuer,
        "aud": g.project_id,
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
        expires_in: ACCESS_TTL_SECS,
        expires_at: exp,
        refresh_token: refresh.token,
        user,
    })
}
