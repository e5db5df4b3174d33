//! The Worker's one error type and its exhaustive mapping to the wire.
//!
//! Every error answers `{"error": code, "error_description": text}` with a stable code
//! (documented in the README). The *reason* a login was refused (which claim, which key) is
//! logged but never sent: a client learns only `invalid_social_login`, so a forger cannot
//! probe which check it would pass.

use serde::Serialize;
use worker::{console_error, console_warn, Response};

/// What went wrong, with the internal reason where the wire gets a coarse code.
#[derive(Debug)]
pub enum ApiError {
    /// 404 `project_not_found`: the `project-id` header names no project.
    ProjectNotFound,
    /// 422 `provider_not_enabled`: unknown or disabled provider.
    ProviderNotEnabled(String),
    /// 422 `invalid_request`: malformed body or parameters.
    InvalidRequest(String),
    /// 401 `invalid_social_login`: the provider's answer or token was not believed.
    InvalidSocialLogin(String),
    /// 503 `provider_unavailable`: the provider's token or JWKS endpoint could not be used.
    ProviderUnavailable(String),
    /// 403 `origin_not_allowed`: a browser call from an origin the project does not list.
    OriginNotAllowed(String),
    /// 403 `email_verification_required`: the provider does not vouch for the email and the
    /// provider has `verify_email`; the body carries `verification_token`.
    EmailVerificationRequired(String),
    /// 403 `signup_disabled`.
    SignupDisabled,
    /// 403 `sign_in_disabled`: the provider is connect-only.
    SignInDisabled,
    /// 409 `email_in_use`.
    EmailInUse,
    /// 429 `rate_limited`.
    RateLimited,
    /// 401 `invalid_refresh_token`: unknown, expired, revoked or reused refresh token.
    InvalidRefreshToken,
    /// 401 `invalid_token`: missing, invalid or revoked access token.
    InvalidToken(String),
    /// 404 `user_not_found` (admin).
    UserNotFound,
    /// 409 `identity_already_linked`: the provider account belongs to another user.
    IdentityAlreadyLinked,
    /// 422 `last_identity`: unlinking would leave the user no way to sign in.
    LastIdentity,
    /// 404 `identity_not_found`: the user has no identity of this provider.
    IdentityNotFound,
    /// 401 `unauthorized`: missing or wrong admin token.
    Unauthorized,
    /// 404 `not_found`: no such route.
    NotFound,
    /// 405 `method_not_allowed`.
    MethodNotAllowed,
    /// 500 `server_error`: a bug or a platform failure; details only in the log.
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_token: Option<&'a str>,
}

impl ApiError {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::ProjectNotFound | Self::NotFound => 404,
            Self::ProviderNotEnabled(_) | Self::InvalidRequest(_) => 422,
            Self::InvalidSocialLogin(_)
            | Self::Unauthorized
            | Self::InvalidRefreshToken
            | Self::InvalidToken(_) => 401,
            Self::EmailVerificationRequired(_) | Self::SignupDisabled | Self::SignInDisabled => 403,
            Self::EmailInUse | Self::IdentityAlreadyLinked => 409,
            Self::LastIdentity => 422,
            Self::IdentityNotFound => 404,
            Self::RateLimited => 429,
            Self::UserNotFound => 404,
            Self::ProviderUnavailable(_) => 503,
            Self::MethodNotAllowed => 405,
            Self::OriginNotAllowed(_) => 403,
            Self::Internal(_) => 500,
        }
    }

    /// The stable wire code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ProjectNotFound => "project_not_found",
            Self::ProviderNotEnabled(_) => "provider_not_enabled",
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidSocialLogin(_) => "invalid_social_login",
            Self::EmailVerificationRequired(_) => "email_verification_required",
            Self::SignupDisabled => "signup_disabled",
            Self::SignInDisabled => "sign_in_disabled",
            Self::EmailInUse => "email_in_use",
            Self::RateLimited => "rate_limited",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::InvalidToken(_) => "invalid_token",
            Self::UserNotFound => "user_not_found",
            Self::IdentityAlreadyLinked => "identity_already_linked",
            Self::LastIdentity => "last_identity",
            Self::IdentityNotFound => "identity_not_found",
            Self::ProviderUnavailable(_) => "provider_unavailable",
            Self::Unauthorized => "unauthorized",
            Self::OriginNotAllowed(_) => "origin_not_allowed",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Internal(_) => "server_error",
        }
    }

    fn description(&self) -> String {
        match self {
            Self::ProjectNotFound => "No project has this project-id.".into(),
            Self::ProviderNotEnabled(p) => {
                format!("The provider \"{p}\" is not enabled for this project.")
            }
            Self::InvalidRequest(why) => why.clone(),
            Self::InvalidSocialLogin(_) => "The sign-in could not be verified.".into(),
            Self::EmailVerificationRequired(_) => {
                "The provider does not vouch for this email: confirm it with the code sent to it."
                    .into()
            }
            Self::SignupDisabled => "Sign-up is disabled for this project or provider.".into(),
            Self::SignInDisabled => {
                "This provider can only be connected to an existing account.".into()
            }
            Self::EmailInUse => {
                "This email belongs to another account, which this sign-in may not join.".into()
            }
            Self::RateLimited => "Too many attempts; try again in a minute.".into(),
            Self::InvalidRefreshToken => "The refresh token is invalid, expired or revoked.".into(),
            Self::InvalidToken(_) => {
                "The access token is missing, invalid, expired or revoked.".into()
            }
            Self::UserNotFound => "No such user in this project.".into(),
            Self::IdentityAlreadyLinked => {
                "This provider account is already linked to another user.".into()
            }
            Self::LastIdentity => {
                "This is the account's only sign-in method; link another before removing it.".into()
            }
            Self::IdentityNotFound => "The account has no identity of this provider.".into(),
            Self::ProviderUnavailable(_) => {
                "The identity provider could not be reached; try again.".into()
            }
            Self::Unauthorized => "Missing or invalid credentials.".into(),
            Self::OriginNotAllowed(o) => format!("The origin {o} is not allowed for this project."),
            Self::NotFound => "No such endpoint.".into(),
            Self::MethodNotAllowed => "Method not allowed on this endpoint.".into(),
            Self::Internal(_) => "Internal error.".into(),
        }
    }

    /// Logs the internal reason and renders the JSON error.
    pub fn into_response(self) -> worker::Result<Response> {
        match &self {
            Self::InvalidSocialLogin(why) => console_warn!("login refused: {why}"),
            Self::InvalidToken(why) => console_warn!("bearer refused: {why}"),
            Self::ProviderUnavailable(why) => console_warn!("provider unavailable: {why}"),
            Self::Internal(why) => console_error!("internal error: {why}"),
            _ => {}
        }
        let description = self.description();
        let body = Body {
            error: self.code(),
            error_description: &description,
            verification_token: match &self {
                Self::EmailVerificationRequired(token) => Some(token),
                _ => None,
            },
        };
        Ok(Response::from_json(&body)?.with_status(self.status()))
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        match e {
            worker::Error::D1(d1) => Self::Internal(format!("D1: {}", d1.cause())),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<wasm_bindgen::JsValue> for ApiError {
    fn from(e: wasm_bindgen::JsValue) -> Self {
        Self::Internal(format!("JS: {e:?}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
