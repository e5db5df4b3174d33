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
use crate::model::{Project, Provider, ProviderKind, TokenAuthMethod};
use crate::signin::{complete_sign_in, hash_hex, Fresh, Granted, VerifiedIdentity};
use crate::webcrypto::{
    import_apple_key, random_bytes, random_uuid, sign_es256, WebCryptoVerifier,
};
use crate::{jwks, keys, net};
use kith_claims::idtoken::{DEFAULT_LEEWAY_SECS, DEFAULT_MAX_AGE_SECS};
use kith_claims::oauth::{
    form_encode, process_token_response, ClientAuth, TokenRequest, TokenResponse,
};
use kith_claims::pkce::PkceVerifier;
use kith_claims::profile::{facebook_appsecret_proof, ApiIdentity, Endpoints, ProviderProfile};
use kith_claims::{b64, validate_id_token, Alg, Expectations, IdTokenClaims, UnverifiedJws};
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

/// The profile of a configured provider: kith-claims' built-in rules for the provider, with
/// the endpoints of its configuration (defaults, discovery or stand-ins).
pub fn profile_for(provider: &Provider) -> ApiResult<ProviderProfile> {
    let cfg = &provider.config;
    let kind = ProviderKind::of(&provider.name)
        .ok_or_else(|| ApiError::ProviderNotEnabled(provider.name.clone()))?;
    let mut profile = match kind {
        ProviderKind::Google => ProviderProfile::google(),
        ProviderKind::Apple => ProviderProfile::apple(),
        ProviderKind::GitHub => ProviderProfile::github(),
        ProviderKind::Facebook => ProviderProfile::facebook(),
        ProviderKind::Microsoft => ProviderProfile::microsoft(
            cfg.tenant.as_deref().unwrap_or_default(),
            &cfg.allowed_tenants,
        )
        .map_err(|e| ApiError::Internal(format!("stored microsoft tenant: {e}")))?,
        ProviderKind::Okta | ProviderKind::CustomOidc => {
            let mut p = ProviderProfile::from_discovery(&kith_claims::profile::Discovery {
                issuer: cfg.issuer.clone(),
                authorization_endpoint: cfg.authorization_endpoint.clone(),
                token_endpoint: cfg.token_endpoint.clone(),
                userinfo_endpoint: cfg.userinfo_endpoint.clone(),
                jwks_uri: cfg.jwks_uri.clone().unwrap_or_default(),
                algorithms: cfg
                    .algorithms
                    .iter()
                    .filter_map(|a| Alg::from_name(a))
                    .collect(),
            });
            if cfg.algorithms.is_empty() {
                p.algorithms = vec![Alg::Rs256, Alg::Es256, Alg::EdDsa];
            }
            p
        }
    };
    profile.endpoints = Endpoints {
        authorization: cfg.authorization_endpoint.clone(),
        token: cfg.token_endpoint.clone(),
        userinfo: cfg.userinfo_endpoint.clone(),
        jwks: cfg.jwks_uri.clone(),
    };
    Ok(profile)
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
    let keys = jwks::keys_for(jwks_uri, now, kid.as_deref()).await?;
    Ok(
        validate_id_token(id_token, &keys, &expect, now, &WebCryptoVerifier)
            .await
            .map_err(refused)?
            .into_inner(),
    )
}

/// Apple's client secret: an ES256 JWT signed with the team's key (Sign in with Apple REST
/// API, "Creating a client secret"), minted per (team, key, client) and reused until five
/// minutes before it expires.
async fn apple_client_secret(
    provider: &Provider,
    sealed_key: &str,
    keys: &keys::Keys,
    now: i64,
) -> ApiResult<String> {
    thread_local! {
        static SECRETS: std::cell::RefCell<std::collections::HashMap<String, (String, i64)>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    let cfg = &provider.config;
    let (team, kid) = (
        cfg.team_id.clone().unwrap_or_default(),
        cfg.key_id.clone().unwrap_or_default(),
    );
    let cache_key = format!("{team}/{kid}/{}/{}", cfg.client_id, hash_hex(sealed_key));
    if let Some(secret) = SECRETS.with(|c| {
        c.borrow()
            .get(&cache_key)
            .filter(|(_, exp)| now < exp - 300)
            .map(|(s, _)| s.clone())
    }) {
        return Ok(secret);
    }
    let pem = keys.secrets.open(sealed_key).await?;
    let key = import_apple_key(&pem).await?;
    let exp = now + APPLE_SECRET_TTL_SECS;
    let claims = serde_json::json!({
        "iss": team, "iat": now, "exp": exp, "aud": "https://appleid.apple.com", "sub": cfg.client_id,
    });
    let secret = sign_es256(
        &key,
        &serde_json::json!({"alg": "ES256", "kid": kid}),
        &claims,
    )
    .await?;
    SECRETS.with(|c| c.borrow_mut().insert(cache_key, (secret.clone(), exp)));
    Ok(secret)
}

/// Lifetime of a minted Apple client secret (Apple allows up to six months).
const APPLE_SECRET_TTL_SECS: i64 = 24 * 3600;

async fn exchange_code(
    env: &Env,
    provider: &Provider,
    kind: ProviderKind,
    code: &str,
    verifier: &PkceVerifier,
    redirect_uri: &str,
    now: i64,
) -> ApiResult<TokenResponse> {
    let keys = keys::load(env).await?;
    let cfg = &provider.config;
    let secret = match (&provider.client_secret_enc, kind) {
        (Some(sealed), ProviderKind::Apple) => {
            apple_client_secret(provider, sealed, &keys, now).await?
        }
        (Some(sealed), _) => keys.secrets.open(sealed).await?,
        (None, _) => String::new(),
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
    process_token_response(answer.status, &answer.body).map_err(|e| {
        ApiError::InvalidSocialLogin(format!("code exchange with {}: {e}", provider.name))
    })
}

/// A provider API's HTTP status: 5xx means the provider is down (`provider_unavailable`,
/// nothing written), any other non-200 that it refused the token (`invalid_social_login`).
fn api_status(what: &str, status: u16) -> ApiResult<()> {
    match status {
        200 => Ok(()),
        500.. => Err(ApiError::ProviderUnavailable(format!(
            "{what}: HTTP {status}"
        ))),
        _ => Err(ApiError::InvalidSocialLogin(format!(
            "{what}: HTTP {status}"
        ))),
    }
}

/// GitHub: the identity from `GET /user` and `GET /user/emails` (a `User-Agent` on every
/// call, as GitHub's API requires).
async fn github_identity(provider: &Provider, access_token: &str) -> ApiResult<ApiIdentity> {
    let user_url = provider
        .config
        .userinfo_endpoint
        .clone()
        .unwrap_or_default();
    let emails_url = format!("{}/emails", user_url.trim_end_matches('/'));
    let auth = format!("Bearer {access_token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("accept", "application/vnd.github+json"),
        ("user-agent", "kith"),
    ];
    let user = net::get_with(&user_url, &headers).await?;
    let emails = net::get_with(&emails_url, &headers).await?;
    for (what, a) in [("GitHub /user", &user), ("GitHub /user/emails", &emails)] {
        api_status(what, a.status)?;
    }
    kith_claims::profile::github_identity(&user.body, &emails.body)
        .map_err(|e| ApiError::InvalidSocialLogin(e.to_string()))
}

/// Facebook: the identity from Graph `/me`, with `appsecret_proof`.
async fn facebook_identity(
    env: &Env,
    provider: &Provider,
    access_token: &str,
) -> ApiResult<ApiIdentity> {
    let keys = keys::load(env).await?;
    let secret = match &provider.client_secret_enc {
        Some(sealed) => keys.secrets.open(sealed).await?,
        None => {
            return Err(ApiError::InvalidSocialLogin(
                "facebook needs the app secret for appsecret_proof".into(),
            ))
        }
    };
    let me = provider
        .config
        .userinfo_endpoint
        .clone()
        .unwrap_or_default();
    let sep = if me.contains('?') { '&' } else { '?' };
    let url = format!(
        "{me}{sep}access_token={}&appsecret_proof={}",
        form_encode(access_token),
        facebook_appsecret_proof(&secret, access_token)
    );
    let a = net::get_with(&url, &[("accept", "application/json")]).await?;
    api_status("Graph /me", a.status)?;
    kith_claims::profile::facebook_identity(&a.body)
        .map_err(|e| ApiError::InvalidSocialLogin(e.to_string()))
}

/// Apple's first-login `user` field (a JSON string in the form_post, or an object): the name.
fn apple_name(user: Option<&serde_json::Value>) -> Option<String> {
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
    let kind = ProviderKind::of(&provider.name)
        .ok_or_else(|| ApiError::ProviderNotEnabled(provider.name.clone()))?;
    let apple_user = body.user.clone();
    if apple_user.is_some() && kind != ProviderKind::Apple {
        return Err(bad("\"user\" is Apple's first-login field"));
    }
    let form = parse_form(body, project)?;
    login_form(env, db, project, provider, form, apple_user, now).await
}

/// Signs in with an already validated form (the server-driven flow builds its own).
pub async fn login_form(
    env: &Env,
    db: &D1,
    project: &Project,
    provider: &Provider,
    form: Form,
    apple_user: Option<serde_json::Value>,
    now: i64,
) -> ApiResult<Granted> {
    let identity = prove(env, provider, form, apple_user, now).await?;
    complete_sign_in(db, project, provider, &identity, &fresh()?, now).await
}

/// `POST /api/auth/identities`: proves a provider account with a sign-in body, exactly as a
/// sign-in does (same forms, checks and single use), and links it to the signed-in user.
pub async fn link(
    env: &Env,
    db: &D1,
    project: &Project,
    provider: &Provider,
    body: LoginBody,
    user: (&str, &str),
    now: i64,
) -> ApiResult<crate::model::UserOut> {
    if body.user.is_some() {
        return Err(bad("\"user\" is only read on a first Apple sign-in"));
    }
    let form = parse_form(body, project)?;
    let identity = prove(env, provider, form, None, now).await?;
    let (user_id, sid) = user;
    let change = crate::repo::link_identity(
        db,
        &crate::repo::Link {
            project_id: &project.id,
            user_id,
            sid,
            provider: &provider.name,
            subject: &identity.subject,
            email: identity.email.as_deref(),
            email_verified: identity.email_trusted,
            replay_keys: &identity.replay_keys,
            now,
        },
    )
    .await?;
    crate::signin::identity_answer(change)
}

/// Verifies what the provider says about the account: the id_token (signature and OIDC Core
/// 3.1.3.7, single use) or, for OAuth2 providers, their API after the code exchange.
async fn prove(
    env: &Env,
    provider: &Provider,
    form: Form,
    apple_user: Option<serde_json::Value>,
    now: i64,
) -> ApiResult<VerifiedIdentity> {
    let kind = ProviderKind::of(&provider.name)
        .ok_or_else(|| ApiError::ProviderNotEnabled(provider.name.clone()))?;
    let profile = profile_for(provider)?;
    let (id_token, nonce) = match form {
        Form::IdToken { .. } if kind == ProviderKind::GitHub => {
            return Err(bad("github has no id_token form: use the code form"));
        }
        Form::IdToken { id_token, nonce } => (id_token, nonce),
        Form::Code {
            code,
            verifier,
            redirect_uri,
            nonce,
        } => {
            let tokens =
                exchange_code(env, provider, kind, &code, &verifier, &redirect_uri, now).await?;
            if kind.is_oauth2() {
                let api = match kind {
                    ProviderKind::GitHub => github_identity(provider, &tokens.access_token).await?,
                    _ => facebook_identity(env, provider, &tokens.access_token).await?,
                };
                return Ok(VerifiedIdentity {
                    subject: api.subject,
                    email: api
                        .email
                        .map(|e| e.trim().to_lowercase())
                        .filter(|e| !e.is_empty()),
                    email_trusted: api.email_trusted,
                    name: api.name,
                    picture: api.picture,
                    replay_keys: vec![],
                });
            }
            let id_token = tokens.id_token.ok_or_else(|| {
                ApiError::InvalidSocialLogin("token response has no id_token".into())
            })?;
            (id_token, nonce)
        }
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
    // Microsoft's `sub` is pairwise per application; `oid` is the account's id in its tenant
    // and survives app re-registrations: key on (tid, oid) when present.
    let subject = match (
        kind,
        &claims.tid,
        claims
            .oid
            .as_deref()
            .filter(|o| kith_claims::profile::guid_like(o)),
    ) {
        (ProviderKind::Microsoft, Some(tid), Some(oid)) => format!("{tid}:{oid}"),
        _ => claims.sub.clone(),
    };
    Ok(VerifiedIdentity {
        subject,
        email: claims
            .email
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty()),
        email_trusted,
        name: apple_name(apple_user.as_ref()).or(claims.name),
        picture: claims.picture,
        replay_keys,
    })
}
