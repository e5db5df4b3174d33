//! `POST /api/auth/login/social`, both forms of CONTRACT "Sign in":
//! - id_token form: the token (Google One Tap, Sign in with Apple JS, native apps) is
//!   verified as it is;
//! - code form: the Worker exchanges the code with the client secret it holds (PKCE), then
//!   verifies the id_token from the token endpoint.
//!
//! Either way: kith-claims decides whether the token is believed (signature through
//! WebCrypto), the nonce and the token become single-use, and `signin` applies the linking
//! policy in D1.

use crate::db::D1;
use crate::error::{ApiError, ApiResult};
use crate::model::{Project, Provider, TokenAuthMethod};
use crate::signin::{complete_sign_in, hash_hex, Fresh, Granted, VerifiedIdentity};
use crate::webcrypto::{random_bytes, random_uuid, WebCryptoVerifier};
use crate::{jwks, keys, net};
use kith_claims::idtoken::{DEFAULT_LEEWAY_SECS, DEFAULT_MAX_AGE_SECS};
use kith_claims::oauth::{process_token_response, ClientAuth, TokenRequest};
use kith_claims::pkce::PkceVerifier;
use kith_claims::profile::{EmailTrust, ProviderProfile};
use kith_claims::{
    b64, validate_id_token, Alg, Expectations, IdTokenClaims, IssuerRule, TypRule, UnverifiedJws,
};
use serde::Deserialize;
use worker::Env;

/// Longest nonce accepted (CONTRACT).
const MAX_NONCE_LEN: usize = 255;
/// Longest authorization code accepted.
const MAX_CODE_LEN: usize = 2048;

/// The request body (CONTRACT "Sign in").
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
}

fn bad(m: &str) -> ApiError {
    ApiError::InvalidRequest(m.into())
}

/// The two body forms, validated.
enum Form {
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

fn parse_form(body: LoginBody, project: &Project) -> ApiResult<Form> {
    let nonce = match body.nonce {
        Some(n) if n.is_empty() || n.len() > MAX_NONCE_LEN => {
            return Err(bad("\"nonce\" must be 1-255 characters"))
        }
        other => other,
    };
    match (body.id_token, body.code) {
        (Some(_), Some(_)) => Err(bad("send either \"id_token\" or \"code\", not both")),
        (Some(id_token), None) => {
            if body.code_verifier.is_some() || body.redirect_uri.is_some() {
                return Err(bad(
                    "\"code_verifier\" and \"redirect_uri\" belong to the code form",
                ));
            }
            Ok(Form::IdToken { id_token, nonce })
        }
        (None, Some(code)) => {
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
            if !project.redirect_urls.contains(&redirect_uri) {
                return Err(bad(
                    "\"redirect_uri\" is not one of the project's redirect_urls",
                ));
            }
            Ok(Form::Code {
                code,
                verifier,
                redirect_uri,
                nonce,
            })
        }
        (None, None) => Err(bad(
            "send \"id_token\" (id_token form) or \"code\" (code form)",
        )),
    }
}

/// The profile of a configured provider: custom OIDC providers are exact-issuer, email from
/// `email_verified`, RS256/ES256/EdDSA.
fn profile_of(provider: &Provider) -> ProviderProfile {
    let cfg = &provider.config;
    ProviderProfile {
        kind: kith_claims::profile::ProviderKind::Oidc,
        issuer: IssuerRule::Exact(vec![cfg.issuer.clone()]),
        algorithms: vec![Alg::Rs256, Alg::Es256, Alg::EdDsa],
        nonce: kith_claims::profile::NonceStyle::Exact,
        email_trust: EmailTrust::EmailVerifiedClaim,
        endpoints: kith_claims::profile::Endpoints {
            authorization: cfg.authorization_endpoint.clone(),
            token: cfg.token_endpoint.clone(),
            userinfo: cfg.userinfo_endpoint.clone(),
            jwks: Some(cfg.jwks_uri.clone()),
        },
        default_scopes: vec!["openid", "email", "profile"],
    }
}

async fn verify_id_token(
    provider: &Provider,
    profile: &ProviderProfile,
    id_token: &str,
    nonce: Option<&str>,
    now: i64,
) -> ApiResult<IdTokenClaims> {
    let cfg = &provider.config;
    let mut client_ids = vec![cfg.client_id.clone()];
    client_ids.extend(cfg.allowed_client_ids.iter().cloned());
    let mut expect = Expectations::for_profile(profile, client_ids, nonce);
    expect.leeway_secs = DEFAULT_LEEWAY_SECS;
    expect.max_age_secs = DEFAULT_MAX_AGE_SECS;
    expect.typ = TypRule::JwtOrAbsent;
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
    let keys = jwks::keys_for(jwks_uri, now, kid.as_deref()).await?;
    Ok(
        validate_id_token(id_token, &keys, &expect, now, &WebCryptoVerifier)
            .await
            .map_err(refused)?
            .into_inner(),
    )
}

async fn exchange_code(
    env: &Env,
    provider: &Provider,
    code: &str,
    verifier: &PkceVerifier,
    redirect_uri: &str,
) -> ApiResult<String> {
    let keys = keys::load(env).await?;
    let cfg = &provider.config;
    let secret = match &provider.client_secret_enc {
        Some(sealed) => keys.secrets.open(sealed).await?,
        None => String::new(),
    };
    let request = TokenRequest {
        token_endpoint: &cfg.token_endpoint,
        client_id: &cfg.client_id,
        client_secret: &secret,
        auth: match cfg.token_endpoint_auth_method {
            TokenAuthMethod::ClientSecretBasic => ClientAuth::Basic,
            TokenAuthMethod::ClientSecretPost => ClientAuth::Post,
        },
    }
    .authorization_code(code, redirect_uri, verifier.secret());
    let answer = net::perform(&request).await?;
    if answer.status >= 500 {
        return Err(ApiError::ProviderUnavailable(format!(
            "token endpoint: HTTP {}",
            answer.status
        )));
    }
    let tokens = process_token_response(answer.status, &answer.body).map_err(|e| {
        ApiError::InvalidSocialLogin(format!("code exchange with {}: {e}", provider.name))
    })?;
    tokens
        .id_token
        .ok_or_else(|| ApiError::InvalidSocialLogin("token response has no id_token".into()))
}

/// Fresh random values from the runtime's CSPRNG.
pub fn fresh() -> ApiResult<Fresh> {
    let code = u32::from_be_bytes(random_bytes::<4>()?) % 1_000_000;
    Ok(Fresh {
        user_id: random_uuid()?,
        session_id: random_uuid()?,
        refresh_token: b64::encode(random_bytes::<32>()?),
        verification_id: b64::encode(random_bytes::<32>()?),
        verification_code: format!("{code:06}"),
    })
}

/// Verifies the provider's proof and applies the linking policy.
pub async fn login(
    env: &Env,
    db: &D1,
    project: &Project,
    provider: &Provider,
    body: LoginBody,
    now: i64,
) -> ApiResult<Granted> {
    let form = parse_form(body, project)?;
    let profile = profile_of(provider);
    let (id_token, nonce) = match form {
        Form::IdToken { id_token, nonce } => (id_token, nonce),
        Form::Code {
            code,
            verifier,
            redirect_uri,
            nonce,
        } => (
            exchange_code(env, provider, &code, &verifier, &redirect_uri).await?,
            nonce,
        ),
    };
    let claims = verify_id_token(provider, &profile, &id_token, nonce.as_deref(), now).await?;
    // Replay protection: the token, and the nonce, are good for one sign-in each, remembered
    // until the token could no longer be accepted anyway.
    let keep_until = claims.exp.max(claims.iat + DEFAULT_MAX_AGE_SECS) + DEFAULT_LEEWAY_SECS;
    let mut replay_keys = vec![(format!("idt:{}", hash_hex(&id_token)), keep_until)];
    if let Some(n) = &nonce {
        replay_keys.push((format!("nonce:{}", hash_hex(n)), keep_until));
    }
    let email_trusted = profile.email_trusted(&claims);
    let identity = VerifiedIdentity {
        subject: claims.sub,
        email: claims
            .email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty()),
        email_trusted,
        name: claims.name,
        picture: claims.picture,
        replay_keys,
    };
    complete_sign_in(db, project, provider, &identity, &fresh()?, now).await
}
