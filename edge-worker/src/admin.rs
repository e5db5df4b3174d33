//! The admin API (`Authorization: Bearer <ADMIN_TOKEN>`): project and provider setup.
//! Secrets sent here are sealed with AES-GCM before they reach D1 and are never returned.

use crate::db::D1;
use crate::error::{ApiError, ApiResult};
use crate::model::{
    Project, ProjectSettings, Provider, ProviderConfig, ProviderKind, ProviderOptions,
    TokenAuthMethod, UserOut,
};
use crate::{keys, net, repo};
use kith_claims::profile::{Discovery, ProviderProfile};
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
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    discovery_url: Option<String>,
    #[serde(default)]
    authorization_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint: Option<String>,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    jwks_uri: Option<String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    token_endpoint_auth_method: Option<TokenAuthMethod>,
    #[serde(default)]
    options: ProviderOptions,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    allowed_tenants: Vec<String>,
    #[serde(default)]
    hosted_domain: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    key_id: Option<String>,
    #[serde(default)]
    private_key: Option<String>,
}

/// Custom OIDC providers are named `oidc:<name>`, `<name>` being 1-32 of `[a-z0-9_-]`.
pub fn valid_custom_oidc(name: &str) -> bool {
    ProviderKind::of(name) == Some(ProviderKind::CustomOidc)
}

fn short_id(field: &str, value: &Option<String>) -> ApiResult<String> {
    match value.as_deref().map(str::trim) {
        Some(v)
            if !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') =>
        {
            Ok(v.to_owned())
        }
        _ => Err(bad(format!(
            "\"{field}\" is required for this provider (letters, digits, '-', '.')"
        ))),
    }
}

/// Fetches and validates an OpenID Provider's discovery document.
async fn discover(issuer: &str, url: Option<&str>) -> ApiResult<Discovery> {
    let url = url.map_or_else(
        || {
            format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            )
        },
        str::to_owned,
    );
    check_url("discovery_url", &url)?;
    let answer = net::get_json(&url).await?;
    if answer.status != 200 {
        return Err(bad(format!(
            "discovery document at {url}: HTTP {}",
            answer.status
        )));
    }
    Discovery::parse(&answer.body, issuer)
        .map_err(|e| bad(format!("discovery document at {url}: {}", e.detail())))
}

/// `PUT /admin/projects/{pid}/providers/{provider}`: validates the settings for the
/// provider's profile, resolves its endpoints and seals its secret.
pub async fn put_provider(
    env: &Env,
    db: &D1,
    pid: &str,
    name: &str,
    body: &[u8],
    now: i64,
) -> ApiResult<Value> {
    let kind = ProviderKind::of(name).ok_or_else(|| {
        bad(format!(
            "unknown provider \"{name}\": google, apple, microsoft, github, facebook, okta or oidc:<name>"
        ))
    })?;
    let b: ProviderBody =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid body: {e}")))?;
    if b.client_id.trim().is_empty() || b.client_id.len() > 512 {
        return Err(bad("\"client_id\" is required"));
    }
    if b.options.verify_email && !b.options.use_email_as_identifier {
        return Err(bad("\"verify_email\" requires \"use_email_as_identifier\""));
    }
    let only = |field: &str, allowed: bool, present: bool| {
        if present && !allowed {
            Err(bad(format!("\"{field}\" does not apply to {name}")))
        } else {
            Ok(())
        }
    };
    only(
        "tenant",
        kind == ProviderKind::Microsoft,
        b.tenant.is_some(),
    )?;
    only(
        "allowed_tenants",
        kind == ProviderKind::Microsoft,
        !b.allowed_tenants.is_empty(),
    )?;
    only(
        "hosted_domain",
        kind == ProviderKind::Google,
        b.hosted_domain.is_some(),
    )?;
    let apple = kind == ProviderKind::Apple;
    only("team_id", apple, b.team_id.is_some())?;
    only("key_id", apple, b.key_id.is_some())?;
    only("private_key", apple, b.private_key.is_some())?;
    only("client_secret", !apple, b.client_secret.is_some())?;
    let custom = matches!(kind, ProviderKind::Okta | ProviderKind::CustomOidc);
    only("issuer", custom, b.issuer.is_some())?;
    only("discovery_url", custom, b.discovery_url.is_some())?;

    let mut algorithms = Vec::new();
    let (issuer, defaults) = match kind {
        ProviderKind::Google => (
            "https://accounts.google.com".to_owned(),
            ProviderProfile::google(),
        ),
        ProviderKind::Apple => (
            "https://appleid.apple.com".to_owned(),
            ProviderProfile::apple(),
        ),
        ProviderKind::GitHub => (String::new(), ProviderProfile::github()),
        ProviderKind::Facebook => (
            "https://www.facebook.com".to_owned(),
            ProviderProfile::facebook(),
        ),
        ProviderKind::Microsoft => {
            let tenant = b
                .tenant
                .as_deref()
                .ok_or_else(|| bad("\"tenant\" is required for microsoft"))?;
            let multi = matches!(tenant, "common" | "organizations");
            if !b.allowed_tenants.is_empty() && !multi {
                return Err(bad(
                    "\"allowed_tenants\" only applies to tenant \"common\" or \"organizations\"",
                ));
            }
            let profile = ProviderProfile::microsoft(tenant, &b.allowed_tenants)
                .map_err(|e| bad(e.detail()))?;
            (
                "https://login.microsoftonline.com/{tid}/v2.0".to_owned(),
                profile,
            )
        }
        ProviderKind::Okta | ProviderKind::CustomOidc => {
            let issuer = b
                .issuer
                .clone()
                .ok_or_else(|| bad("\"issuer\" is required"))?;
            check_url("issuer", &issuer)?;
            let explicit = b.authorization_endpoint.is_some()
                && b.token_endpoint.is_some()
                && b.jwks_uri.is_some();
            let profile = if kind == ProviderKind::Okta || b.discovery_url.is_some() || !explicit {
                let d = discover(&issuer, b.discovery_url.as_deref()).await?;
                algorithms = d.algorithms.iter().map(|a| a.as_str().to_owned()).collect();
                ProviderProfile::from_discovery(&d)
            } else {
                let endpoint = |v: &Option<String>| v.clone().unwrap_or_default();
                ProviderProfile::from_discovery(&Discovery {
                    issuer: issuer.clone(),
                    authorization_endpoint: endpoint(&b.authorization_endpoint),
                    token_endpoint: endpoint(&b.token_endpoint),
                    userinfo_endpoint: b.userinfo_endpoint.clone(),
                    jwks_uri: endpoint(&b.jwks_uri),
                    algorithms: vec![],
                })
            };
            (issuer, profile)
        }
    };
    let pick =
        |given: &Option<String>, default: &str| given.clone().unwrap_or_else(|| default.to_owned());
    let authorization_endpoint = pick(&b.authorization_endpoint, &defaults.endpoints.authorization);
    let token_endpoint = pick(&b.token_endpoint, &defaults.endpoints.token);
    let userinfo_endpoint = b
        .userinfo_endpoint
        .clone()
        .or(defaults.endpoints.userinfo.clone());
    let jwks_uri = b.jwks_uri.clone().or(defaults.endpoints.jwks.clone());
    check_url("authorization_endpoint", &authorization_endpoint)?;
    check_url("token_endpoint", &token_endpoint)?;
    for (field, url) in [
        ("userinfo_endpoint", &userinfo_endpoint),
        ("jwks_uri", &jwks_uri),
    ] {
        if let Some(u) = url {
            check_url(field, u)?;
        }
    }
    if jwks_uri.is_none() && !kind.is_oauth2() {
        return Err(bad("\"jwks_uri\" is required"));
    }
    let scopes = b.scopes.unwrap_or_else(|| {
        defaults
            .default_scopes
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    });
    if !kind.is_oauth2() && kind != ProviderKind::Apple && !scopes.iter().any(|s| s == "openid") {
        return Err(bad("an OIDC provider's scopes must include \"openid\""));
    }
    let (team_id, key_id) = if apple {
        (
            Some(short_id("team_id", &b.team_id)?),
            Some(short_id("key_id", &b.key_id)?),
        )
    } else {
        (None, None)
    };
    let hosted_domain = b
        .hosted_domain
        .map(|d| d.trim().to_lowercase())
        .filter(|d| !d.is_empty());
    let config = ProviderConfig {
        client_id: b.client_id.trim().to_owned(),
        allowed_client_ids: b.allowed_client_ids,
        issuer,
        authorization_endpoint,
        token_endpoint,
        userinfo_endpoint,
        jwks_uri,
        scopes,
        // Apple and Facebook take the secret in the body.
        token_endpoint_auth_method: b.token_endpoint_auth_method.unwrap_or(match kind {
            ProviderKind::Apple | ProviderKind::Facebook | ProviderKind::GitHub => {
                TokenAuthMethod::ClientSecretPost
            }
            _ => TokenAuthMethod::ClientSecretBasic,
        }),
        options: b.options,
        algorithms,
        tenant: b.tenant,
        allowed_tenants: b.allowed_tenants,
        hosted_domain,
        team_id,
        key_id,
        discovery_url: b.discovery_url,
    };
    let secret = match (&b.client_secret, &b.private_key) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(pem)) => {
            // Refuse a key that WebCrypto cannot use now rather than at the first sign-in.
            crate::webcrypto::import_apple_key(pem).await?;
            Some(pem.clone())
        }
        (None, None) => None,
    };
    let sealed = match secret {
        Some(secret) => Some(keys::load(env).await?.secrets.seal(&secret).await?),
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
