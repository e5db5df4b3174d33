//! The authorization code exchange (RFC 6749 section 4.1.3, PKCE RFC 7636 section 4.5):
//! the Worker authenticates with the client secret it holds; the client proves it started
//! the flow with the verifier.

use super::apple;
use crate::app::ports::{Http, Platform};
use crate::app::secrets::provider_secret;
use crate::domain::{Provider, Secret, TokenAuthMethod};
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::{
    process_token_response, ClientAuth, ClientSecret, CodeExchange, PkceVerifier, TokenResponse,
};
use kith_claims::providers::ProviderKind;

/// What the client sends back from the provider's redirect.
pub struct Grant<'a> {
    pub code: &'a str,
    pub verifier: &'a PkceVerifier,
    pub redirect_uri: &'a str,
}

/// The client secret to authenticate with: Apple's minted JWT, the sealed secret opened, or
/// none (a public client).
async fn client_secret<P: Platform>(
    p: &P,
    provider: &Provider,
    kind: ProviderKind,
    now: i64,
) -> ApiResult<Secret> {
    match (&provider.client_secret_enc, kind) {
        (Some(_), ProviderKind::Apple) => apple::client_secret(p, provider, now).await,
        _ => Ok(provider_secret(p, provider)
            .await?
            .unwrap_or_else(|| Secret::new(""))),
    }
}

/// Exchanges the code at the provider's token endpoint. A 5xx or an unreachable endpoint is
/// `provider_unavailable` (nothing written); any refusal is `invalid_social_login`.
pub async fn exchange<P: Platform>(
    p: &P,
    provider: &Provider,
    kind: ProviderKind,
    grant: &Grant<'_>,
    now: i64,
) -> ApiResult<TokenResponse> {
    let cfg = &provider.config;
    let secret = ClientSecret::new(
        client_secret(p, provider, kind, now)
            .await?
            .expose()
            .to_owned(),
    );
    let request = CodeExchange {
        token_endpoint: &cfg.token_endpoint,
        client_id: &cfg.client_id,
        client_secret: &secret,
        auth: match cfg.token_endpoint_auth_method {
            TokenAuthMethod::ClientSecretBasic => ClientAuth::Basic,
            TokenAuthMethod::ClientSecretPost => ClientAuth::Post,
        },
    }
    .request(grant.code, grant.redirect_uri, grant.verifier);
    // Every reason below is redacted with the request: a provider's error_description (or a
    // fetch error) may quote the code, the verifier or the client secret.
    let answer = p
        .http()
        .send(&request)
        .await
        .map_err(|e| e.redacted(&request))?;
    if answer.status >= 500 {
        return Err(ApiError::ProviderUnavailable(format!(
            "token endpoint: HTTP {}",
            answer.status
        )));
    }
    process_token_response(answer.status, &answer.body).map_err(|e| {
        ApiError::InvalidSocialLogin(format!("code exchange with {}: {e}", provider.name))
            .redacted(&request)
    })
}
