//! The server-driven sign-in (CONTRACT "Server-driven flow"), bound to whoever started it
//! (RFC 7636 PKCE, RFC 8252 sections 7-8, OAuth 2.0 Security BCP RFC 9700 section 4.2):
//!
//! - `start` takes the caller's S256 `code_challenge` and opaque `state`, and answers the
//!   provider's authorization URL with the Worker's own state (single use, 10 minutes; the
//!   provider-side PKCE verifier and nonce are derived from it with HMAC, never stored).
//! - `callback` validates the Worker's state, exchanges the provider's code and signs in,
//!   then hands out a one-time Kith code (single use, 60 s) with the caller's state — never
//!   tokens in a URL, which a custom-scheme handler or a log could read.
//! - `exchange` (`POST /oauth/token`) turns the Kith code and the matching `code_verifier`
//!   into the session (or, when the sign-in must verify its email, into the verification's
//!   token: `email_verification_required`, never in a URL). A callback URL started by someone else is worthless without the
//!   verifier only its starter holds: that is what stops login CSRF and code injection.

use super::derive::{derive, same};
use super::ports::{random, Crypto, Platform};
use super::prove::{Claim, Form};
use super::signin::{self, Fresh, Granted};
use crate::adapters::sql::flow::LeadsTo;
use crate::adapters::sql::{flow as sql, sessions};
use crate::app::config::{self, RateKey};
use crate::domain::{Project, ProjectId, RefreshToken, SessionId};
use crate::error::{ApiError, ApiResult};
use kith_claims::b64;
use kith_claims::hex::sha256_hex as hash_hex;
use kith_claims::oauth::{append_params, authorization_url, AuthorizationRequest, PkceVerifier};

/// How long a started sign-in may take.
const STATE_TTL_SECS: i64 = 600;
/// How long a Kith code may wait for its exchange.
pub const CODE_TTL_SECS: i64 = 60;
/// Longest caller state kept.
const MAX_CLIENT_STATE: usize = 512;

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

/// What the caller of `start` binds the flow to.
pub struct StartParams<'a> {
    pub redirect_to: Option<&'a str>,
    /// `BASE64URL(SHA256(code_verifier))`, 43 characters (RFC 7636 section 4.2).
    pub code_challenge: Option<&'a str>,
    /// `S256` (the only method accepted) or absent.
    pub code_challenge_method: Option<&'a str>,
    pub state: Option<&'a str>,
}

fn valid_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl StartParams<'_> {
    fn check(&self) -> ApiResult<&str> {
        if !matches!(self.code_challenge_method, None | Some("S256")) {
            return Err(bad("\"code_challenge_method\" must be S256"));
        }
        let challenge = self
            .code_challenge
            .filter(|c| valid_challenge(c))
            .ok_or_else(|| bad("\"code_challenge\" (S256, 43 base64url characters) is required"))?;
        if self
            .state
            .is_some_and(|s| s.is_empty() || s.len() > MAX_CLIENT_STATE)
        {
            return Err(bad("\"state\" must be 1-512 characters"));
        }
        Ok(challenge)
    }
}

/// The provider-side PKCE verifier and nonce of a flow, derived from the Worker's state.
fn one_time_values<C: Crypto>(crypto: &C, state: &str) -> ApiResult<(PkceVerifier, String)> {
    let key = crypto.flow_key();
    let verifier = PkceVerifier::parse(&derive(key, "kith flow pkce", state))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((verifier, derive(key, "kith flow nonce", state)))
}

/// `GET .../start`: the authorization URL and the Worker's state.
pub async fn start<P: Platform>(
    p: &P,
    route: &Route<'_>,
    params: &StartParams<'_>,
    rate: &RateKey<'_>,
    now: i64,
) -> ApiResult<(String, String)> {
    let challenge = params.check()?;
    let config = config::load(p.db(), route.project_id, Some(rate), now).await?;
    config::check_rate(&config, Some(rate.limited))?;
    let provider = config::enabled_provider(&config, route.provider)?;
    if let Some(to) = params.redirect_to {
        // Exact match only: an open redirect here would hand codes to an attacker.
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
    // The provider's own parameters (Google: offline access for the vault's refresh token).
    append_params(&mut auth_url, provider.kind().authorization_params(false));
    if provider.answers_with_form_post() {
        // Apple posts the answer (with the first-login `user`) when a name or email is asked.
        auth_url.push_str("&response_mode=form_post");
    }
    let started = sql::Started {
        state_hash: &hash_hex(&state),
        project_id: route.project_id.as_str(),
        provider: route.provider,
        redirect_to: params.redirect_to,
        code_challenge: challenge,
        client_state: params.state,
        expires_at: now + STATE_TTL_SECS,
    };
    sql::create_oauth_state(p.db(), &started).await?;
    Ok((auth_url, state))
}

/// The parameters the provider sent back (query or form_post).
pub struct Callback<'a> {
    pub get: &'a dyn Fn(&str) -> Option<String>,
}

/// Where a callback ends and what it carries back to the caller.
pub struct Ending {
    pub redirect_to: Option<String>,
    pub client_state: Option<String>,
    /// The Kith code, or why the sign-in failed.
    pub outcome: ApiResult<String>,
}

/// `GET|POST .../callback`: `Err` when the Worker's state is unknown, used or expired.
pub async fn callback<P: Platform>(
    p: &P,
    route: &Route<'_>,
    params: &Callback<'_>,
    rate: &RateKey<'_>,
    now: i64,
) -> ApiResult<Ending> {
    let config = config::load(p.db(), route.project_id, Some(rate), now).await?;
    config::check_rate(&config, Some(rate.limited))?;
    let state = (params.get)("state")
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or_else(|| bad("the callback has no state"))?;
    let pid = route.project_id.as_str();
    let taken = sql::take_oauth_state(p.db(), &hash_hex(&state), pid, route.provider, now)
        .await?
        .ok_or_else(|| bad("unknown, used or expired state"))?;
    let bound = Bound {
        config: &config,
        state: &state,
        code_challenge: &taken.code_challenge,
    };
    let outcome = finish(p, route, &bound, params, now).await;
    Ok(Ending {
        redirect_to: taken.redirect_to,
        client_state: taken.client_state,
        outcome,
    })
}

/// The first refresh token of session `sid`, its secret derived from the Kith code (never
/// stored), so the exchange can hand it out again after the sign-in.
fn refresh_token_of<C: Crypto>(crypto: &C, code: &str, sid: &str) -> RefreshToken {
    let secret = derive(crypto.flow_key(), "kith flow refresh", code);
    super::refresh_token::first(crypto.refresh_keys(), sid, &secret)
}

/// The email verification's token, derived from the Kith code (never stored): the exchange
/// hands it to the holder of the code and its verifier, never a URL.
fn verification_token_of<C: Crypto>(crypto: &C, code: &str) -> String {
    derive(crypto.flow_key(), "kith flow verification", code)
}

/// A callback's flow: the project as loaded, the Worker's state, the caller's challenge.
struct Bound<'a> {
    config: &'a crate::domain::project::Config,
    state: &'a str,
    code_challenge: &'a str,
}

async fn finish<P: Platform>(
    p: &P,
    route: &Route<'_>,
    bound: &Bound<'_>,
    params: &Callback<'_>,
    now: i64,
) -> ApiResult<String> {
    if let Some(error) = (params.get)("error") {
        let error: String = error.chars().take(64).collect();
        return Err(ApiError::InvalidSocialLogin(format!(
            "the provider answered error \"{error}\""
        )));
    }
    let code = (params.get)("code")
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| bad("the callback has no code"))?;
    let config = bound.config;
    let provider = config::enabled_provider(config, route.provider)?;
    let (verifier, nonce) = one_time_values(p.crypto(), bound.state)?;
    let claim = Claim {
        form: Form::Code {
            code,
            verifier,
            redirect_uri: route.callback_url.to_owned(),
            nonce: Some(nonce),
        },
        apple_user: (params.get)("user").map(serde_json::Value::String),
    };
    let kith_code = b64::encode(random::<32, _>(p.crypto())?);
    let drawn = Fresh::draw(p.crypto())?;
    let fresh = Fresh {
        refresh_token: refresh_token_of(p.crypto(), &kith_code, drawn.session_id.as_str()),
        verification_id: verification_token_of(p.crypto(), &kith_code),
        ..drawn
    };
    let (code_hash, pid) = (hash_hex(&kith_code), route.project_id.as_str());
    let expires_at = now + CODE_TTL_SECS;
    match signin::sign_in_with(p, &config.project, provider, claim, &fresh, now).await {
        Ok(granted) => {
            let record = sql::FlowCode {
                code_hash: &code_hash,
                project_id: pid,
                session_id: granted.session_id.as_str(),
                user_id: &granted.user.id,
                code_challenge: bound.code_challenge,
                amr: &granted.amr,
                expires_at,
            };
            sql::create_code(p.db(), &record).await?;
        }
        // The code went out: the Kith code leads to the verification (its token derived from
        // the Kith code), for the holder of the verifier only.
        Err(ApiError::EmailVerificationRequired { email_hint, .. }) => {
            let record = sql::VerificationCode {
                code_hash: &code_hash,
                project_id: pid,
                code_challenge: bound.code_challenge,
                email_hint: &email_hint,
                expires_at,
            };
            sql::create_verification_code(p.db(), &record).await?;
        }
        Err(e) => return Err(e),
    }
    Ok(kith_code)
}

/// `POST /oauth/token {code, code_verifier}`: the session of a Kith code, for the holder of
/// its verifier only; for a sign-in that must verify its email, `email_verification_required`
/// with the verification's token and masked address. Any presentation spends the code.
pub async fn exchange<P: Platform>(
    p: &P,
    project: &Project,
    code: &str,
    verifier: &str,
    now: i64,
) -> ApiResult<Granted> {
    if code.is_empty() || code.len() > 128 {
        return Err(ApiError::InvalidGrant);
    }
    let verifier = PkceVerifier::parse(verifier).map_err(|_| ApiError::InvalidGrant)?;
    let pid = project.id.as_str();
    let redeemed = sql::take_code(p.db(), &hash_hex(code), pid, now)
        .await?
        .ok_or(ApiError::InvalidGrant)?;
    if !same(
        verifier.challenge_s256().as_bytes(),
        redeemed.code_challenge.as_bytes(),
    ) {
        return Err(ApiError::InvalidGrant);
    }
    let (session_id, user_id, amr) = match redeemed.leads_to {
        LeadsTo::Session {
            session_id,
            user_id,
            amr,
        } => (session_id, user_id, amr),
        LeadsTo::Verification { email_hint } => {
            return Err(ApiError::EmailVerificationRequired {
                token: verification_token_of(p.crypto(), code),
                email_hint,
            })
        }
    };
    let user = sessions::session_user(p.db(), pid, &session_id, &user_id, now)
        .await?
        .ok_or(ApiError::InvalidGrant)?;
    Ok(Granted {
        user,
        refresh_token: refresh_token_of(p.crypto(), code, &session_id),
        session_id: SessionId::new(session_id),
        amr,
    })
}
