//! An id_token proven: signature against the provider's key set (through the
//! [`SignatureVerifier`](kith_claims::jose::SignatureVerifier) of the platform), then OIDC Core
//! 3.1.3.7 by kith-claims; the token and its nonce become single-use keys.

use super::apple::first_login_name;
use crate::app::ports::{KeySource, Platform};
use crate::domain::identity::ReplayKey;
use crate::domain::{ProvenIdentity, Provider};
use crate::error::{ApiError, ApiResult};
use kith_claims::hex::sha256_hex;
use kith_claims::id_token::{self, IdTokenClaims, DEFAULT_LEEWAY_SECS, DEFAULT_MAX_AGE_SECS};
use kith_claims::jose::UnverifiedJws;
use kith_claims::providers::ProviderProfile;
use kith_claims::Verified;

/// An id_token as presented, with the raw nonce the client kept and Apple's `user` field.
pub struct Presented<'a> {
    pub id_token: &'a str,
    pub nonce: Option<&'a str>,
    pub apple_user: Option<&'a serde_json::Value>,
}

/// Verifies the token for `provider` at `now`.
pub async fn verify<P: Platform>(
    p: &P,
    provider: &Provider,
    profile: &ProviderProfile,
    id_token: &str,
    nonce: Option<&str>,
    now: i64,
) -> ApiResult<Verified<IdTokenClaims>> {
    let cfg = &provider.config;
    let mut client_ids = vec![cfg.client_id.clone()];
    client_ids.extend(cfg.allowed_client_ids.iter().cloned());
    let mut expect = profile.expectations(client_ids, nonce);
    expect.hosted_domain = cfg.hosted_domain.clone();
    let refused = |e: kith_claims::Error| {
        ApiError::InvalidSocialLogin(format!("id_token from {}: {e}", provider.name))
    };
    // The header is parsed first only to learn the kid (nothing in it is trusted).
    let kid = UnverifiedJws::parse(id_token)
        .map_err(refused)?
        .header()
        .kid
        .clone();
    let jwks_uri = profile.endpoints.jwks.as_deref().unwrap_or_default();
    let keys = p.keys().keys_for(jwks_uri, now, kid.as_deref()).await?;
    id_token::validate(id_token, &keys, &expect, now, p.crypto())
        .await
        .map_err(refused)
}

/// Verifies the token and makes the identity it proves.
pub async fn prove<P: Platform>(
    p: &P,
    provider: &Provider,
    profile: &ProviderProfile,
    token: &Presented<'_>,
    now: i64,
) -> ApiResult<ProvenIdentity> {
    let claims = verify(p, provider, profile, token.id_token, token.nonce, now).await?;
    Ok(identity(profile, &claims, token))
}

/// The identity a verified token proves, with its single-use keys.
fn identity(
    profile: &ProviderProfile,
    claims: &Verified<IdTokenClaims>,
    token: &Presented<'_>,
) -> ProvenIdentity {
    // Replay protection: the token, and the nonce, are good for one sign-in each, remembered
    // until the token could no longer be accepted anyway.
    let keep_until = claims.exp.max(claims.iat + DEFAULT_MAX_AGE_SECS) + DEFAULT_LEEWAY_SECS;
    let mut replay_keys = vec![ReplayKey {
        key: format!("idt:{}", sha256_hex(token.id_token)),
        keep_until,
    }];
    if let Some(n) = token.nonce {
        replay_keys.push(ReplayKey {
            key: format!("nonce:{}", sha256_hex(n)),
            keep_until,
        });
    }
    // Apple sends the name only in the first form_post's `user` field.
    let apple_name = first_login_name(token.apple_user);
    let proof = profile.identity(claims).map(|mut id| {
        if apple_name.is_some() {
            id.name = apple_name;
        }
        id
    });
    ProvenIdentity::from_proof(proof, replay_keys)
}
