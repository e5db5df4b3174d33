//! `/admin/projects/{pid}/users`: search, delete, revoke sessions, set roles, read a
//! provider token (for app backends).

use super::bad;
use super::projects::existing;
use crate::adapters::sql::vault::Reader;
use crate::adapters::sql::{admin as sql, sessions};
use crate::app::ports::Platform;
use crate::app::store::Db;
use crate::app::vault::{read, ProviderTokenOut};
use crate::domain::UserOut;
use crate::error::{ApiError, ApiResult};
use serde::Deserialize;
use serde_json::{json, Value};

/// `GET /admin/projects/{pid}/users?email=`.
pub async fn find<D: Db>(db: &D, pid: &str, email: Option<&str>) -> ApiResult<Value> {
    existing(db, pid).await?;
    // Normalized as stored (ASCII case only), so `K` (KELVIN SIGN) finds only itself.
    let email = email.and_then(kith_claims::email::normalize);
    let users: Vec<UserOut> = sql::find_users(db, pid, email.as_deref()).await?;
    Ok(json!({ "users": users }))
}

/// `DELETE /admin/projects/{pid}/users/{id}`.
pub async fn delete<D: Db>(db: &D, pid: &str, user_id: &str) -> ApiResult<()> {
    if sql::delete_user(db, pid, user_id).await? {
        Ok(())
    } else {
        Err(ApiError::UserNotFound)
    }
}

/// `POST /admin/projects/{pid}/users/{id}/revoke-sessions`.
pub async fn revoke_sessions<D: Db>(
    db: &D,
    pid: &str,
    user_id: &str,
    now: i64,
) -> ApiResult<Value> {
    sql::get_user(db, pid, user_id)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    let revoked = sessions::revoke_sessions(db, pid, user_id, None, now).await?;
    Ok(json!({ "revoked": revoked }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RolesBody {
    roles: Vec<String>,
}

/// `PUT /admin/projects/{pid}/users/{id}/roles` `{"roles": [...]}`.
pub async fn set_roles<D: Db>(db: &D, pid: &str, user_id: &str, body: &[u8]) -> ApiResult<Value> {
    let b: RolesBody =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid body: {e}")))?;
    if b.roles.len() > 50 || b.roles.iter().any(|r| r.is_empty() || r.len() > 64) {
        return Err(bad("roles: at most 50, each 1-64 characters"));
    }
    let user = sql::set_roles(db, pid, user_id, &b.roles)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    serde_json::to_value(user).map_err(|e| ApiError::Internal(e.to_string()))
}

/// `GET /admin/projects/{pid}/users/{id}/identities/{provider}/token`: the provider's access
/// token for the user, renewed when stale (whatever `expose_tokens_to_client` says).
pub async fn provider_token<P: Platform>(
    p: &P,
    pid: &str,
    user_id: &str,
    provider: &str,
    now: i64,
) -> ApiResult<ProviderTokenOut> {
    let project = existing(p.db(), pid).await?;
    let configured = sql::list_providers(p.db(), pid).await?;
    let provider = configured
        .iter()
        .find(|c| c.name.as_str() == provider)
        .ok_or_else(|| ApiError::ProviderNotEnabled(provider.to_owned()))?;
    read::provider_token(p, &project, provider, Reader::Admin { user_id }, now).await
}
