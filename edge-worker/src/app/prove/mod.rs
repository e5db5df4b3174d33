//! Proving a provider account, per provider kind: the two body forms of CONTRACT "Sign in".
//!
//! - id_token form: the token (Google One Tap, Sign in with Apple JS, native apps) is
//!   verified as it is ([`id_token`]);
//! - code form: the Worker exchanges the code with the client secret it holds, PKCE bound
//!   ([`code`]), then verifies the id_token from the token endpoint or, for OAuth 2.0
//!   providers, reads the account from their API ([`oauth2`]).
//!
//! The result is a [`ProvenIdentity`], which nothing else can make.

pub mod apple;
pub mod code;
pub mod id_token;
pub mod oauth2;

use super::ports::Platform;
use super::vault::ProviderGrant;
use crate::domain::{Project, ProvenIdentity, Provider};
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::PkceVerifier;
use kith_claims::providers::ProviderKind;
use serde::Deserialize;

/// Longest nonce accepted (CONTRACT).
const MAX_NONCE_LEN: usize = 255;
/// Longest authorization code accepted.
const MAX_CODE_LEN: usize = 2048;

/// The request body (CONTRACT "Sign in"), as parsed. Its `Debug` is not derived: it holds
/// codes, verifiers and tokens.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub provider: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub code_verifier: Option<String>,
    #[serde(default)]
    pub redirect_uri: Option<String>,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub id_token: Option<String>,
    /// Apple: the `user` JSON of the first form_post (the only time Apple sends the name).
    #[serde(default)]
    pub user: Option<serde_json::Value>,
}

fn bad(m: &str) -> ApiError {
    ApiError::InvalidRequest(m.into())
}

/// The two body forms, validated.
pub enum Form {
    IdToken {
        id_token: String,
        nonce: Option<String>,
    },
    Code {
        code: String,
        verifier: PkceVerifier,
        redirect_uri: String,
        nonce: Option<String>,
    },
}

/// What a sign-in or link asks to prove, with Apple's first-login `user` field.
pub struct Claim {
    pub form: Form,
    pub apple_user: Option<serde_json::Value>,
}

/// Where the browser may have been sent back to for a code form: one of the project's
/// `redirect_urls`, or, for a provider that answers with a form_post (Apple), exactly the
/// Worker's own relay for this project and provider (the SDK's flow goes through it).
pub struct RedirectRule<'a> {
    pub project: &'a Project,
    /// `{origin}/oauth/projects/{pid}/providers/{provider}/callback`.
    pub own_relay: &'a str,
}

impl RedirectRule<'_> {
    fn allows(&self, provider: &Provider, uri: &str) -> bool {
        let relayed = provider.answers_with_form_post() && uri == self.own_relay;
        relayed || self.project.allows_redirect(uri)
    }
}

fn parse_code_form(
    body: LoginBody,
    code: String,
    rule: &RedirectRule<'_>,
    provider: &Provider,
) -> ApiResult<Form> {
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(bad("\"code\" must be 1-2048 characters"));
    }
    let verifier = body
        .code_verifier
        .ok_or_else(|| bad("\"code_verifier\" is required"))
        .and_then(|v| PkceVerifier::parse(&v).map_err(|e| bad(e.detail())))?;
    let redirect_uri = body
        .redirect_uri
        .ok_or_else(|| bad("\"redirect_uri\" is required"))?;
    if !rule.allows(provider, &redirect_uri) {
        return Err(bad(
            "\"redirect_uri\" is not one of the project's redirect_urls",
        ));
    }
    Ok(Form::Code {
        code,
        verifier,
        redirect_uri,
        nonce: body.nonce,
    })
}

/// Validates a sign-in body for `provider` (the `user` field only for Apple).
pub fn parse_claim(
    mut body: LoginBody,
    rule: &RedirectRule<'_>,
    provider: &Provider,
) -> ApiResult<Claim> {
    let apple_user = body.user.take();
    if apple_user.is_some() && provider.kind() != ProviderKind::Apple {
        return Err(bad("\"user\" is Apple's first-login field"));
    }
    if body
        .nonce
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.len() > MAX_NONCE_LEN)
    {
        return Err(bad("\"nonce\" must be 1-255 characters"));
    }
    let form = match (body.id_token.take(), body.code.take()) {
        (Some(_), Some(_)) => return Err(bad("send either \"id_token\" or \"code\", not both")),
        (Some(id_token), None) => {
            if body.code_verifier.is_some() || body.redirect_uri.is_some() {
                return Err(bad(
                    "\"code_verifier\" and \"redirect_uri\" belong to the code form",
                ));
            }
            Form::IdToken {
                id_token,
                nonce: body.nonce,
            }
        }
        (None, Some(code)) => parse_code_form(body, code, rule, provider)?,
        (None, None) => {
            return Err(bad(
                "send \"id_token\" (id_token form) or \"code\" (code form)",
            ))
        }
    };
    Ok(Claim { form, apple_user })
}

/// A proven account and the provider tokens its code exchange brought (for the vault).
pub struct Proven {
    pub identity: ProvenIdentity,
    pub grant: ProviderGrant,
}

/// Verifies what the provider says about the account: the id_token (signature and OIDC Core
/// 3.1.3.7, single use) or, for OAuth 2.0 providers, their API after the code exchange.
pub async fn prove<P: Platform>(
    p: &P,
    provider: &Provider,
    claim: Claim,
    now: i64,
) -> ApiResult<Proven> {
    let kind = provider.kind();
    let profile = provider.profile().map_err(ApiError::Internal)?;
    let (id_token, nonce, grant) = match claim.form {
        Form::IdToken { .. } if kind == ProviderKind::GitHub => {
            return Err(bad("github has no id_token form: use the code form"));
        }
        Form::IdToken { id_token, nonce } => (id_token, nonce, ProviderGrant::None),
        Form::Code {
            code,
            verifier,
            redirect_uri,
            nonce,
        } => {
            let grant = code::Grant {
                code: &code,
                verifier: &verifier,
                redirect_uri: &redirect_uri,
            };
            let mut tokens = code::exchange(p, provider, kind, &grant, now).await?;
            if provider.is_oauth2() {
                let identity = oauth2::identity(p, provider, &tokens).await?;
                return Ok(Proven {
                    identity,
                    grant: ProviderGrant::Exchanged(tokens),
                });
            }
            let id_token = tokens.id_token.take().ok_or_else(|| {
                ApiError::InvalidSocialLogin("token response has no id_token".into())
            })?;
            (id_token, nonce, ProviderGrant::Exchanged(tokens))
        }
    };
    let token = id_token::Presented {
        id_token: &id_token,
        nonce: nonce.as_deref(),
        apple_user: claim.apple_user.as_ref(),
    };
    let identity = id_token::prove(p, provider, &profile, &token, now).await?;
    Ok(Proven { identity, grant })
}
