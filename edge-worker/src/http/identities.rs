//! `POST /api/auth/identities`, `DELETE /api/auth/identities/{provider}` and
//! `GET /api/auth/identities/{provider}/token` (the vault, `app::vault`).

use super::auth::Call;
use super::wire;
use crate::adapters::sql::vault::Reader;
use crate::app::config;
use crate::app::identities;
use crate::app::vault::read;
use crate::error::ApiResult;
use worker::Response;

/// Links the provider account a sign-in body proves to the bearer's user.
pub async fn link(call: Call<'_>) -> ApiResult<Response> {
    let claims = call.bearer().await?;
    let (provider, claim) = super::auth::read_claim(&call, &call.config)?;
    let project = &call.config.project;
    let user =
        identities::link(&call.platform, project, provider, claim, &claims, call.now).await?;
    wire::json_response(&user, 200)
}

/// Unlinks every identity of `provider` from the bearer's user, never the last.
pub async fn unlink(call: Call<'_>, provider: &str) -> ApiResult<Response> {
    let project = &call.config.project;
    let claims = call.bearer().await?;
    let provider = kith_claims::oauth::percent_decode(provider);
    let user = identities::unlink(&call.platform.db, project, &provider, &claims, call.now).await?;
    wire::json_response(&user, 200)
}

/// The provider's access token for the bearer's identity, when the provider exposes it.
pub async fn token(call: Call<'_>, provider: &str) -> ApiResult<Response> {
    let project = &call.config.project;
    let claims = call.bearer().await?;
    let provider = kith_claims::oauth::percent_decode(provider);
    let provider = config::enabled_provider(&call.config, &provider)?;
    let reader = Reader::Session {
        user_id: &claims.sub,
        sid: &claims.sid,
    };
    let out = read::provider_token(&call.platform, project, provider, reader, call.now).await?;
    wire::json_response(&out, 200)
}
