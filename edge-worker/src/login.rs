//! `POST /api/auth/login/social`, code form: the Worker exchanges the code with the client
//! secret it holds, verifies the id_token with kith-claims, links the user in D1 and answers
//! a Kith session.

use crate::error::{ApiError, ApiResult};
use crate::model::{Project, Provider, SessionOut, TokenAuthMethod};
use crate::webcrypto::{random_uuid, WebCryptoVerifier};
use crate::{jwks, keys, net, session, store};
use kith_claims::idtoken::{DEFAULT_LEEWAY_SECS, DEFAULT_MAX_AGE_SECS};
use kith_claims::oauth::{process_token_response, ClientAuth, TokenRequest};
use kith_claims::pkce::PkceVerifier;
use kith_claims::UnverifiedJws;
use kith_claims::{
    validate_id_token, Alg, Expectations, IdTokenClaims, IssuerRule, NonceCheck, TypRule, Verified,
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

/// A validated code-form request.
struct CodeForm {
    code: String,
    verifier: PkceVerifier,
    redirect_uri: String,
    nonce: NonceCheck,
}

fn code_form(body: LoginBody, project: &Project) -> ApiResult<CodeForm> {
    if body.id_token.is_some() {
        return Err(ApiError::InvalidRequest(
            "this deployment accepts the code form only (code, code_verifier, redirect_uri, nonce)"
                .into(),
        ));
    }
    let bad = |m: &str| ApiError::InvalidRequest(m.into());
    let code = body
        .code
        .filter(|c| !c.is_empty() && c.len() <= MAX_CODE_LEN)
        .ok_or_else(|| bad("\"code\" is required"))?;
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
    let nonce = match body.nonce {
        Some(n) if n.is_empty() || n.len() > MAX_NONCE_LEN => {
            return Err(bad("\"nonce\" must be 1-255 characters"))
        }
        Some(n) => NonceCheck::Exact(n),
        None => NonceCheck::ExpectNone,
    };
    Ok(CodeForm {
        code,
        verifier,
        redirect_uri,
        nonce,
    })
}

/// The algorithms a custom OIDC provider may sign with.
const OIDC_ALGS: [Alg; 3] = [Alg::Rs256, Alg::Es256, Alg::EdDsa];

async fn verify_id_token(
    provider: &Provider,
    id_token: &str,
    nonce: NonceCheck,
    now: i64,
) -> ApiResult<Verified<IdTokenClaims>> {
    let cfg = &provider.config;
    let mut client_ids = vec![cfg.client_id.clone()];
    client_ids.extend(cfg.allowed_client_ids.iter().cloned());
    let expect = Expectations {
        issuer: IssuerRule::Exact(vec![cfg.issuer.clone()]),
        client_ids,
        algorithms: OIDC_ALGS.to_vec(),
        nonce,
        leeway_secs: DEFAULT_LEEWAY_SECS,
        max_age_secs: DEFAULT_MAX_AGE_SECS,
        typ: TypRule::JwtOrAbsent,
        hosted_domain: None,
    };
    let refused = |e: kith_claims::Error| {
        ApiError::InvalidSocialLogin(format!("id_token from {}: {e}", provider.name))
    };
    // The header is parsed first only to learn the kid (nothing in it is trusted).
    let kid = UnverifiedJws::parse(id_token)
        .map_err(refused)?
        .header()
        .kid
        .clone();
    let keys = jwks::keys_for(&cfg.jwks_uri, now, kid.as_deref()).await?;
    validate_id_token(id_token, &keys, &expect, now, &WebCryptoVerifier)
        .await
        .map_err(refused)
}

/// The whole sign-in. `issuer` is Kith's own issuer for the access token.
pub async fn login(
    env: &Env,
    project: &Project,
    provider: &Provider,
    body: LoginBody,
    issuer: &str,
    now: i64,
) -> ApiResult<SessionOut> {
    let form = code_form(body, project)?;
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
    .authorization_code(&form.code, &form.redirect_uri, form.verifier.secret());
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
    let id_token = tokens
        .id_token
        .ok_or_else(|| ApiError::InvalidSocialLogin("token response has no id_token".into()))?;
    let claims = verify_id_token(provider, &id_token, form.nonce, now)
        .await?
        .into_inner();

    let refresh = session::new_refresh_token()?;
    let new_user_id = random_uuid()?;
    let session_id = random_uuid()?;
    let amr = format!("social:{}", provider.name);
    let amr_json = serde_json::json!([amr]).to_string();
    // An email is only recorded as verified when the provider says so.
    let email_verified = claims.email.is_some() && claims.email_verified == Some(true);
    let db = env.d1("DB")?;
    let user = store::sign_in_or_create(
        &db,
        &store::LoginWrite {
            project_id: &project.id,
            provider: &provider.name,
            subject: &claims.sub,
            email: claims.email.as_deref(),
            email_verified,
            name: claims.name.as_deref(),
            picture: claims.picture.as_deref(),
            new_user_id: &new_user_id,
            session_id: &session_id,
            refresh_hash: &refresh.hash,
            amr: &amr_json,
            now,
            session_expires_at: now + session::SESSION_TTL_SECS,
        },
    )
    .await?;
    let grant = session::Grant {
        issuer,
        project_id: &project.id,
        session_id: &session_id,
        amr: &amr,
        now,
    };
    session::issue(&keys, &grant, user, refresh).await
}
