//! The provider-token vault (CONTRACT "Identities": `GET /api/auth/identities/{provider}/token`;
//! Clerk's `getUserOauthAccessToken`). Every code exchange keeps the provider's access token,
//! refresh token, expiry and granted scopes for the identity it proved, sealed under the
//! keyring's provider-token key ([`Sealing::ProviderToken`]) with associated data naming the
//! row and field, and written in the same D1 batch as the sign-in or link (nothing
//! half-written). [`read`] answers the token, renewing it at the provider when it is within
//! [`read::MARGIN_SECS`] of expiry, one request at a time.
//!
//! The id_token form brings no provider token ([`Vault::Nothing`]); nor does Apple, which
//! issues no token for an API of its own.

pub mod read;

use super::keyring::{provider_token_aad, Sealing, TokenField};
use super::ports::Crypto;
use crate::domain::{Provider, Secret};
use crate::error::ApiResult;
use kith_claims::oauth::TokenResponse;
use kith_claims::providers::{granted_scopes, RenewalStyle};
use serde::Serialize;
use std::fmt;

/// What a proof brought besides the account: the token answer of a code exchange.
pub enum ProviderGrant {
    /// The id_token form: no provider token.
    None,
    /// The code form: the token endpoint's answer.
    Exchanged(TokenResponse),
}

/// A token answer sealed for one identity's vault row.
#[derive(Debug)]
pub struct SealedGrant {
    pub access: String,
    /// `None`: the answer had no refresh token (a stored one is kept).
    pub refresh: Option<String>,
    /// Unix seconds; `None` when the provider gave no lifetime.
    pub expires_at: Option<i64>,
    /// JSON array of the granted scopes.
    pub scopes_json: String,
}

/// What a sign-in or link writes to the vault.
#[derive(Debug)]
pub enum Vault {
    /// Nothing: no code exchange, or a provider without API tokens.
    Nothing,
    /// This identity's tokens (replacing the stored ones).
    Store(SealedGrant),
}

/// The answer of both token routes: `{access_token, expires_at, scopes}`. `Debug` shows no
/// token.
#[derive(Serialize)]
pub struct ProviderTokenOut {
    pub access_token: String,
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
}

impl fmt::Debug for ProviderTokenOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderTokenOut")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// The Unix second a token of `expires_in` seconds expires at.
pub fn expiry(now: i64, expires_in: Option<u64>) -> Option<i64> {
    expires_in.map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX)))
}

/// Seals `value` as `field` of the vault row of (`provider`, `subject`).
pub async fn seal_field<C: Crypto>(
    crypto: &C,
    provider: &Provider,
    subject: &str,
    field: TokenField,
    value: &str,
) -> ApiResult<String> {
    let aad = provider_token_aad(&provider.project_id, provider.name.as_str(), subject, field);
    crypto
        .seal_as(Sealing::ProviderToken, &Secret::new(value), &aad)
        .await
}

/// Opens `field` of the vault row of (`provider`, `subject`); `true`: sealed under an older
/// master key, to be re-sealed.
pub async fn open_field<C: Crypto>(
    crypto: &C,
    provider: &Provider,
    subject: &str,
    field: TokenField,
    sealed: &str,
) -> ApiResult<(Secret, bool)> {
    let aad = provider_token_aad(&provider.project_id, provider.name.as_str(), subject, field);
    crypto.open_as(Sealing::ProviderToken, sealed, &aad).await
}

/// Seals a code exchange's tokens for the identity `subject` proved: the granted scopes are
/// the answer's `scope`, else the configured scopes (what the Worker knows was asked).
pub async fn seal_grant<C: Crypto>(
    crypto: &C,
    provider: &Provider,
    subject: &str,
    grant: &ProviderGrant,
    now: i64,
) -> ApiResult<Vault> {
    let ProviderGrant::Exchanged(tokens) = grant else {
        return Ok(Vault::Nothing);
    };
    if provider.kind().renewal() == RenewalStyle::NoApiToken {
        return Ok(Vault::Nothing);
    }
    let access = seal_field(
        crypto,
        provider,
        subject,
        TokenField::Access,
        &tokens.access_token,
    );
    let access = access.await?;
    let refresh = match &tokens.refresh_token {
        Some(rt) => Some(seal_field(crypto, provider, subject, TokenField::Refresh, rt).await?),
        None => None,
    };
    let scopes = granted_scopes(tokens.scope.as_deref(), &provider.config.scopes);
    Ok(Vault::Store(SealedGrant {
        access,
        refresh,
        expires_at: expiry(now, tokens.expires_in),
        scopes_json: serde_json::to_string(&scopes).unwrap_or_else(|_| "[]".into()),
    }))
}
