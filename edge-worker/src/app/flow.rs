//! The server-driven sign-in (CONTRACT "Server-driven flow"): no SDK needed, and the route
//! that receives Apple's `response_mode=form_post`.
//!
//! - `start` → `{"auth_url", "state"}`. The state is single-use and lives 10 minutes; the
//!   PKCE verifier and the nonce are derived from it with HMAC under the Worker's secret
//!   (nothing secret is stored).
//! - `callback` validates the state, exchanges the code and signs in; the HTTP layer then
//!   answers `303` to `redirect_to` (or the JSON session without one).

use super::derive::derive;
use super::ports::{random, Crypto, Platform};
use super::prove::{Claim, Form};
use super::signin::{self, Granted};
use crate::adapters::sql::flow as sql;
use crate::app::config;
use crate::domain::{Project, ProjectId};
use crate::error::{ApiError, ApiResult};
use kith_claims::b64;
use kith_claims::hex::sha256_hex as hash_hex;
use kith_claims::oauth::{authorization_url, AuthorizationRequest, PkceVerifier};
use kith_claims::providers::ProviderKind;

/// How long a started sign-in may take.
const STATE_TTL_SECS: i64 = 600;

fn bad(m: &str) -> ApiError {
    ApiError::InvalidRequest(m.into())
}

/// Where the flow was started, and where the provider sends the user back.
pub struct Route<'a> {
    pub project_id: &'a ProjectId,
    pub provider: &'a str,
    /// The Worker's own callback URL for this project and provider.
    pub callback_url: &'a str,
}

/// The PKCE verifier and nonce of a flow, derived from its state.
fn one_time_values<C: Crypto>(crypto: &C, state: &str) -> ApiResult<(PkceVerifier, String)> {
    let key = crypto.derive_key();
    let verifier = PkceVerifier::parse(&derive(key, "kith flow pkce", state))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((verifier, derive(key, "kith flow nonce", state)))
}

/// `GET .../start`: the authorization URL and the state.
pub async fn start<P: Platform>(
    p: &P,
    route: &Route<'_>,
    redirect_to: Option<&str>,
    now: i64,
) -> ApiResult<(String, String)> {
    let config = config::load(p.db(), route.project_id, None, now).await?;
    let provider = config::enabled_provider(&config, route.provider)?;
    if let Some(to) = redirect_to {
        // Exact match only: an open redirect here would hand sessions to an attacker.
        if !config.project.allows_redirect(to) {
            return Err(bad(
                "\"redirect_to\" is not one of the project's redirect_urls",
            ));
        }
    }
    let state = b64::encode(random::<32, _>(p.crypto())?);
    let (verifier, nonce) = one_time_values(p.crypto(), &state)?;
    let scope = provider.config.scopes.join(" ");
    let mut auth_url = authorization_url(&AuthorizationRequest {
        authorization_endpoint: &provider.config.authorization_endpoint,
        client_id: &provider.config.client_id,
        redirect_uri: route.callback_url,
        scope: &scope,
        state: &state,
        nonce: &nonce,
        code_challenge: &verifier.challenge_s256(),
    });
    if provider.kind() == ProviderKind::Apple {
        // Apple posts the answer (with the first-login `user`) when a name or email is asked.
        auth_url.push_str("&response_mode=form_post");
    }
    sql::create_oauth_state(
        p.db(),
        &hash_hex(&state),
        route.project_id.as_str(),
        route.provider,
        redirect_to,
        now + STATE_TTL_SECS,
    )
    .await?;
    Ok((auth_url, state))
}

/// The parameters the provider sent back (query or form_post).
pub struct Callback<'a> {
    pub get: &'a dyn Fn(&str) -> Option<String>,
}

/// `GET|POST .../callback`: `Err` when the state is unknown, used or expired; otherwise where
/// the flow wanted to end (`redirect_to`) and how the sign-in went.
pub async fn callback<P: Platform>(
    p: &P,
    route: &Route<'_>,
    params: &Callback<'_>,
    now: i64,
) -> ApiResult<(Option<String>, ApiResult<(Project, Granted)>)> {
    let state = (params.get)("state")
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| bad("the callback has no state"))?;
    let pid = route.project_id.as_str();
    let redirect_to = sql::take_oauth_state(p.db(), &hash_hex(&state), pid, route.provider, now)
        .await?
        .ok_or_else(|| bad("unknown, used or expired state"))?;
    Ok((redirect_to, finish(p, route, &state, params, now).await))
}

async fn finish<P: Platform>(
    p: &P,
    route: &Route<'_>,
    state: &str,
    params: &Callback<'_>,
    now: i64,
) -> ApiResult<(Project, Granted)> {
    if let Some(error) = (params.get)("error") {
        return Err(ApiError::InvalidSocialLogin(format!(
            "the provider answered error \"{error}\""
        )));
    }
    let code = (params.get)("code")
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| bad("the callback has no code"))?;
    let config = config::load(p.db(), route.project_id, None, now).await?;
    let provider = config::enabled_provider(&config, route.provider)?;
    let (verifier, nonce) = one_time_values(p.crypto(), state)?;
    let claim = Claim {
        form: Form::Code {
            code,
            verifier,
            redirect_uri: route.callback_url.to_owned(),
            nonce: Some(nonce),
        },
        apple_user: (params.get)("user").map(serde_json::Value::String),
    };
    let granted = signin::sign_in(p, &config.project, provider, claim, now).await?;
    Ok((config.project.clone(), granted))
}
