//! The admin API (`Authorization: Bearer <ADMIN_TOKEN>`): project and provider setup.
//! Secrets sent here are sealed with AES-GCM before they reach D1 and are never returned.

use crate::db::D1;
use crate::error::{ApiError, ApiResult};
use crate::model::{
    Project, ProjectSettings, Provider, ProviderConfig, ProviderOptions, TokenAuthMethod, UserOut,
};
use crate::{keys, repo};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Env, Url};

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::InvalidRequest(m.into())
}

/// Project ids are UUIDs (lower-case, hyphenated).
pub fn valid_project_id(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// A URL Kith will talk to or send users to: https, or http on a loopback host (local
/// development and tests).
fn check_url(field: &str, value: &str) -> ApiResult<()> {
    let url = Url::parse(value).map_err(|_| bad(format!("\"{field}\" is not a URL")))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(bad(format!(
            "\"{field}\" must be https (http only on a loopback host)"
        ))),
    }
}

fn check_origin(value: &str) -> ApiResult<()> {
    check_url("allowed_origins", value)?;
    let url = Url::parse(value).map_err(|_| bad("bad origin"))?;
    if url.origin().ascii_serialization() != value {
        return Err(bad(format!(
            "\"{value}\" is not an origin (scheme://host[:port], no path)"
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectBody {
    name: String,
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    redirect_urls: Vec<String>,
    #[serde(default = "yes")]
    self_registration: bool,
    #[serde(default)]
    settings: ProjectSettings,
}

fn yes() -> bool {
    true
}

/// `PUT /admin/projects/{pid}`.
pub async fn put_project(db: &D1, pid: &str, body: &[u8], now: i64) -> ApiResult<Value> {
    if !valid_project_id(pid) {
        return Err(bad("project ids are lower-case UUIDs"));
    }
    let b: ProjectBody =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid body: {e}")))?;
    if b.name.trim().is_empty() || b.name.len() > 200 {
        return Err(bad("\"name\" must be 1-200 characters"));
    }
    b.allowed_origins.iter().try_for_each(|o| check_origin(o))?;
    for url in &b.redirect_urls {
        // Native apps use custom schemes; web redirect URLs follow the https rule.
        let parsed =
            Url::parse(url).map_err(|_| bad(format!("redirect URL \"{url}\" is not a URL")))?;
        if matches!(parsed.scheme(), "http" | "https") {
            check_url("redirect_urls", url)?;
        }
        if parsed.fragment().is_some() {
            return Err(bad("redirect URLs may not carry a fragment"));
        }
    }
    b.settings.validate().map_err(bad)?;
    let project = Project {
        id: pid.to_owned(),
        name: b.name,
        allowed_origins: b.allowed_origins,
        redirect_urls: b.redirect_urls,
        self_registration: b.self_registration,
        settings: b.settings,
    };
    repo::put_project(db, &project, now).await?;
    Ok(project_json(&project))
}

fn project_json(p: &Project) -> Value {
    json!({
        "id": p.id, "name": p.name, "allowed_origins": p.allowed_origins,
        "redirect_urls": p.redirect_urls, "self_registration": p.self_registration, "settings": p.settings,
    })
}

/// `GET /admin/projects/{pid}`.
pub async fn get_project(db: &D1, pid: &str) -> ApiResult<Value> {
    let project = repo::get_project(db, pid)
        .await?
        .ok_or(ApiError::ProjectNotFound)?;
    Ok(project_json(&project))
}

fn provider_json(p: &Provider) -> Value {
    let mut out = serde_json::to_value(&p.config).unwrap_or_else(|_| json!({}));
    if let Some(obj) = out.as_object_mut() {
        obj.insert("provider".into(), json!(p.name));
        obj.insert("enabled".into(), json!(p.enabled));
        obj.insert(
            "has_client_secret".into(),
            json!(p.client_secret_enc.is_some()),
        );
    }
    out
}

/// `GET /admin/projects/{pid}/providers`: secrets omitted.
pub async fn list_providers(db: &D1, pid: &str) -> ApiResult<Value> {
    repo::get_project(db, pid)
        .await?
        .ok_or(ApiError::ProjectNotFound)?;
    let list: Vec<Value> = repo::list_providers(db, pid)
        .await?
        .iter()
        .map(provider_json)
        .collect();
    Ok(json!({ "providers": list }))
}

/// `GET /admin/projects/{pid}/users?email=`.
pub async fn find_users(db: &D1, pid: &str, email: Option<&str>) -> ApiResult<Value> {
    repo::get_project(db, pid)
        .await?
        .ok_or(ApiError::ProjectNotFound)?;
    let email = email.map(|e| e.trim().to_lowercase());
    let users: Vec<UserOut> = repo::find_users(db, pid, email.as_deref()).await?;
    Ok(json!({ "users": users }))
}

/// `DELETE /admin/projects/{pid}/users/{id}`.
pub async fn delete_user(db: &D1, pid: &str, user_id: &str) -> ApiResult<()> {
    if repo::delete_user(db, pid, user_id).await? {
        Ok(())
    } else {
        Err(ApiError::UserNotFound)
    }
}

/// `POST /admin/projects/{pid}/users/{id}/revoke-sessions`.
pub async fn revoke_sessions(db: &D1, pid: &str, user_id: &str, now: i64) -> ApiResult<Value> {
    repo::get_user(db, pid, user_id)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    let revoked = repo::revoke_sessions(db, pid, user_id, None, now).await?;
    Ok(json!({ "revoked": revoked }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RolesBody {
    roles: Vec<String>,
}

/// `PUT /admin/projects/{pid}/users/{id}/roles` `{"roles": [...]}`.
pub async fn set_roles(db: &D1, pid: &str, user_id: &str, body: &[u8]) -> ApiResult<Value> {
    let b: RolesBody =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid body: {e}")))?;
    if b.roles.len() > 50 || b.roles.iter().any(|r| r.is_empty() || r.len() > 64) {
        return Err(bad("roles: at most 50, each 1-64 characters"));
    }
    let user = repo::set_roles(db, pid, user_id, &b.roles)
        .await?
        .ok_or(ApiError::UserNotFound)?;
    serde_json::to_value(user).map_err(|e| ApiError::Internal(e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderBody {
    #[serde(default = "yes")]
    enabled: bool,
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    allowed_client_ids: Vec<String>,
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    token_endpoint_auth_method: TokenAuthMethod,
    #[serde(default)]
    options: ProviderOptions,
}

/// Custom OIDC providers are named `oidc:<name>`, `<name>` being 1-32 of `[a-z0-9_-]`.
pub fn valid_custom_oidc(name: &str) -> bool {
    name.strip_prefix("oidc:").is_some_and(|n| {
        (1..=32).contains(&n.len())
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    })
}

/// `PUT /admin/projects/{pid}/providers/{provider}`.
pub async fn put_provider(
    env: &Env,
    db: &D1,
    pid: &str,
    name: &str,
    body: &[u8],
    now: i64,
) -> ApiResult<Value> {
    if !valid_custom_oidc(name) {
        return Err(bad(format!(
            "provider \"{name}\" is not supported by this version: configure a custom OIDC provider named oidc:<name>"
        )));
    }
    let b: ProviderBody =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid body: {e}")))?;
    if b.client_id.is_empty() {
        return Err(bad("\"client_id\" is required"));
    }
    if b.options.verify_email && !b.options.use_email_as_identifier {
        return Err(bad("\"verify_email\" requires \"use_email_as_identifier\""));
    }
    check_url("issuer", &b.issuer)?;
    check_url("authorization_endpoint", &b.authorization_endpoint)?;
    check_url("token_endpoint", &b.token_endpoint)?;
    check_url("jwks_uri", &b.jwks_uri)?;
    if let Some(u) = &b.userinfo_endpoint {
        check_url("userinfo_endpoint", u)?;
    }
    let scopes = b
        .scopes
        .unwrap_or_else(|| vec!["openid".into(), "email".into(), "profile".into()]);
    if !scopes.iter().any(|s| s == "openid") {
        return Err(bad("an OIDC provider's scopes must include \"openid\""));
    }
    let config = ProviderConfig {
        client_id: b.client_id,
        allowed_client_ids: b.allowed_client_ids,
        issuer: b.issuer,
        authorization_endpoint: b.authorization_endpoint,
        token_endpoint: b.token_endpoint,
        userinfo_endpoint: b.userinfo_endpoint,
        jwks_uri: b.jwks_uri,
        scopes,
        token_endpoint_auth_method: b.token_endpoint_auth_method,
        options: b.options,
    };
    let sealed = match &b.client_secret {
        Some(secret) => Some(keys::load(env).await?.secrets.seal(secret).await?),
        None => None,
    };
    if !repo::put_provider(db, pid, name, b.enabled, &config, sealed.as_deref(), now).await? {
        return Err(ApiError::ProjectNotFound);
    }
    let stored = repo::list_providers(db, pid).await?;
    let provider = stored
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| ApiError::Internal("provider vanished".into()))?;
    Ok(provider_json(provider))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_must_be_lowercase_uuids() {
        assert!(valid_project_id("8f14e45f-ceea-467f-a0e6-1b1e2a2e8f3d"));
        assert!(!valid_project_id("8F14E45F-CEEA-467F-A0E6-1B1E2A2E8F3D"));
        assert!(!valid_project_id("not-a-uuid"));
    }

    #[test]
    fn custom_oidc_names_are_restricted() {
        assert!(valid_custom_oidc("oidc:dev"));
        assert!(!valid_custom_oidc("oidc:"));
        assert!(!valid_custom_oidc("oidc:Dev"));
        assert!(!valid_custom_oidc("google"));
    }

    #[test]
    fn urls_must_be_https_except_on_loopback() {
        assert!(check_url("x", "https://op.example/token").is_ok());
        assert!(check_url("x", "http://127.0.0.1:9000/token").is_ok());
        assert!(check_url("x", "http://op.example/token").is_err());
        assert!(check_origin("http://127.0.0.1:5173").is_ok());
        assert!(check_origin("http://127.0.0.1:5173/").is_err());
    }
}
