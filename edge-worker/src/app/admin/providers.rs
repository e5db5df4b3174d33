//! `/admin/projects/{pid}/providers`: list, and configure one provider (typed body per
//! kind, endpoints resolved by discovery where needed, secret sealed).

use super::bad;
use super::projects::existing;
use crate::adapters::sql::admin as sql;
use crate::app::keyring;
use crate::app::ports::{Crypto, Http, Platform};
use crate::domain::provider_settings::{DiscoveryNeeded, ProviderSettings};
use crate::domain::urls::check_url;
use crate::domain::Provider;
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::HttpRequest;
use kith_claims::providers::Discovery;
use kith_claims::providers::ProviderKind;
use serde_json::{json, Value};

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
pub async fn list<D: crate::app::store::Db>(db: &D, pid: &str) -> ApiResult<Value> {
    existing(db, pid).await?;
    let list: Vec<Value> = sql::list_providers(db, pid)
        .await?
        .iter()
        .map(provider_json)
        .collect();
    Ok(json!({ "providers": list }))
}

/// Fetches and validates an OpenID Provider's discovery document (OpenID Connect
/// Discovery 1.0 section 4; its `issuer` must be the configured one).
async fn discover<H: Http>(http: &H, need: &DiscoveryNeeded) -> ApiResult<Discovery> {
    check_url("discovery_url", &need.url).map_err(bad)?;
    let request = HttpRequest {
        method: "GET",
        url: need.url.clone(),
        headers: vec![("accept", "application/json".to_owned())],
        body: String::new(),
    };
    let answer = http.send(&request).await?;
    if answer.status != 200 {
        return Err(bad(format!(
            "discovery document at {}: HTTP {}",
            need.url, answer.status
        )));
    }
    Discovery::parse(&answer.body, &need.issuer).map_err(|e| {
        bad(format!(
            "discovery document at {}: {}",
            need.url,
            e.detail()
        ))
    })
}

/// `PUT /admin/projects/{pid}/providers/{provider}`.
pub async fn put<P: Platform>(
    p: &P,
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
    let settings = ProviderSettings::parse(kind, body).map_err(bad)?;
    let discovered = match settings.discovery().map_err(bad)? {
        Some(need) => Some(discover(p.http(), &need).await?),
        None => None,
    };
    let resolved = settings.resolve(discovered.as_ref()).map_err(bad)?;
    if resolved.config.options.verify_email && existing(p.db(), pid).await?.mailer.is_none() {
        // Refused now rather than at the first sign-in (`mailer_not_configured`).
        return Err(bad(
            "\"verify_email\" needs the project's mailer: PUT the project with \"mailer\" first",
        ));
    }
    let sealed = match &resolved.secret {
        Some(secret) => {
            if resolved.apple_key {
                // Refuse a key that cannot sign now rather than at the first sign-in.
                p.crypto().check_es256_pem(secret).await?;
            }
            Some(
                p.crypto()
                    .seal(secret, &keyring::provider_secret_aad(pid, name))
                    .await?,
            )
        }
        None => None,
    };
    let stored = sql::put_provider(
        p.db(),
        pid,
        name,
        resolved.enabled,
        &resolved.config,
        sealed.as_deref(),
        now,
    )
    .await?;
    if !stored {
        return Err(ApiError::ProjectNotFound);
    }
    let providers = sql::list_providers(p.db(), pid).await?;
    let provider = providers
        .iter()
        .find(|p| p.name.as_str() == name)
        .ok_or_else(|| ApiError::Internal("provider vanished".into()))?;
    Ok(provider_json(provider))
}
