//! OAuth 2.0 providers without id_tokens: the account comes from the provider's API, called
//! with the access token the Worker itself just obtained from the token endpoint (the
//! requests and the reading of the answers are kith-claims'):
//! - GitHub: `GET /user` and `GET /user/emails`;
//! - Facebook: Graph `/me` with `appsecret_proof`.

use crate::app::ports::{Http, HttpAnswer, Platform};
use crate::app::secrets::provider_secret;
use crate::domain::{ProvenIdentity, Provider};
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::{ClientSecret, TokenResponse};
use kith_claims::providers::{facebook, github, Identity, ProviderKind};
use kith_claims::Verified;

/// A provider API's HTTP status: 5xx means the provider is down (`provider_unavailable`,
/// nothing written), any other non-200 that it refused the token (`invalid_social_login`).
fn api_status(what: &str, answer: &HttpAnswer) -> ApiResult<()> {
    match answer.status {
        200 => Ok(()),
        500.. => Err(ApiError::ProviderUnavailable(format!(
            "{what}: HTTP {}",
            answer.status
        ))),
        status => Err(ApiError::InvalidSocialLogin(format!(
            "{what}: HTTP {status}"
        ))),
    }
}

fn refused(e: kith_claims::Error) -> ApiError {
    ApiError::InvalidSocialLogin(e.to_string())
}

async fn github<H: Http>(
    http: &H,
    provider: &Provider,
    access_token: &str,
) -> ApiResult<Verified<Identity>> {
    let user_url = provider
        .config
        .userinfo_endpoint
        .as_deref()
        .unwrap_or_default();
    let [user_req, emails_req] = github::api_requests(user_url, access_token);
    // Reasons are redacted with the request: a failed fetch may quote its headers.
    let scrub = |e: ApiError| e.redacted(&user_req);
    let user = http.send(&user_req).await.map_err(scrub)?;
    let emails = http.send(&emails_req).await.map_err(scrub)?;
    api_status("GitHub /user", &user)?;
    api_status("GitHub /user/emails", &emails)?;
    github::identity(&user.body, &emails.body).map_err(|e| scrub(refused(e)))
}

async fn facebook<P: Platform>(
    p: &P,
    provider: &Provider,
    access_token: &str,
) -> ApiResult<Verified<Identity>> {
    let Some(secret) = provider_secret(p, provider).await? else {
        return Err(ApiError::InvalidSocialLogin(
            "facebook needs the app secret for appsecret_proof".into(),
        ));
    };
    let secret = ClientSecret::new(secret.expose().to_owned());
    let me = provider
        .config
        .userinfo_endpoint
        .as_deref()
        .unwrap_or_default();
    let request = facebook::me_request(me, &secret, access_token).map_err(refused)?;
    // Reasons are redacted with the request: a failed fetch may quote its URL (with the
    // appsecret_proof) and headers (with the token).
    let scrub = |e: ApiError| e.redacted(&request);
    let answer = p.http().send(&request).await.map_err(scrub)?;
    api_status("Graph /me", &answer)?;
    facebook::identity(&answer.body).map_err(|e| scrub(refused(e)))
}

/// The account behind `tokens` at an OAuth 2.0 provider's API.
pub async fn identity<P: Platform>(
    p: &P,
    provider: &Provider,
    tokens: &TokenResponse,
) -> ApiResult<ProvenIdentity> {
    let proof = match provider.kind() {
        ProviderKind::GitHub => github(p.http(), provider, &tokens.access_token).await?,
        _ => facebook(p, provider, &tokens.access_token).await?,
    };
    Ok(ProvenIdentity::from_proof(proof, vec![]))
}
