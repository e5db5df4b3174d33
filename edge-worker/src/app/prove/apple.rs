//! Sign in with Apple's quirks: the client secret is an ES256 JWT the Worker mints from the
//! team's key (Sign in with Apple REST API, "Creating a client secret"), and the name
//! arrives only in the first form_post's `user` field.

use crate::app::ports::{Crypto, Platform};
use crate::app::secrets::provider_secret;
use crate::domain::{Provider, Secret};
use crate::error::{ApiError, ApiResult};
use kith_claims::hex::sha256_hex as hash_hex;
use std::cell::RefCell;
use std::collections::HashMap;

/// Lifetime of a minted Apple client secret (Apple allows up to six months).
const APPLE_SECRET_TTL_SECS: i64 = 24 * 3600;
/// A minted secret is reused until this long before it expires.
const APPLE_SECRET_RENEW_SECS: i64 = 300;

thread_local! {
    /// Minted secrets per (team, key, client, sealed key), per isolate.
    static MINTED: RefCell<HashMap<String, (Secret, i64)>> = RefCell::new(HashMap::new());
}

/// Apple's client secret for `provider`, minted per (team, key, client) and reused until
/// five minutes before it expires.
pub async fn client_secret<P: Platform>(p: &P, provider: &Provider, now: i64) -> ApiResult<Secret> {
    let sealed_key = provider.client_secret_enc.as_deref().unwrap_or_default();
    let cfg = &provider.config;
    let team = cfg.team_id.clone().unwrap_or_default();
    let kid = cfg.key_id.clone().unwrap_or_default();
    let cache_key = format!("{team}/{kid}/{}/{}", cfg.client_id, hash_hex(sealed_key));
    let cached = MINTED.with(|c| {
        c.borrow()
            .get(&cache_key)
            .filter(|(_, exp)| now < exp - APPLE_SECRET_RENEW_SECS)
            .map(|(s, _)| s.clone())
    });
    if let Some(secret) = cached {
        return Ok(secret);
    }
    let Some(pem) = provider_secret(p, provider).await? else {
        return Err(ApiError::InvalidSocialLogin(
            "apple needs the team's private key".into(),
        ));
    };
    let exp = now + APPLE_SECRET_TTL_SECS;
    let claims = serde_json::json!({
        "iss": team, "iat": now, "exp": exp, "aud": "https://appleid.apple.com", "sub": cfg.client_id,
    });
    let header = serde_json::json!({"alg": "ES256", "kid": kid});
    let secret = Secret::new(p.crypto().sign_es256_pem(&pem, &header, &claims).await?);
    MINTED.with(|c| c.borrow_mut().insert(cache_key, (secret.clone(), exp)));
    Ok(secret)
}

/// Apple's first-login `user` field (a JSON string in the form_post, or an object): the name.
pub fn first_login_name(user: Option<&serde_json::Value>) -> Option<String> {
    let user = match user? {
        serde_json::Value::String(s) => serde_json::from_str::<serde_json::Value>(s).ok()?,
        other => other.clone(),
    };
    let name = user.get("name")?;
    let part = |k: &str| {
        name.get(k)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let full = [part("firstName"), part("lastName")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    (!full.is_empty() && full.len() <= 200).then_some(full)
}
