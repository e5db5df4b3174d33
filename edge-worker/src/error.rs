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
}

impl ApiError {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            Self::ProjectNotFound | Self::NotFound => 404,
            Self::ProviderNotEnabled(_) | Self::InvalidRequest(_) => 422,
            Self::InvalidSocialLogin(_) | Self::Unauthorized => 401,
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
            Self::ProviderUnavailable(why) => console_warn!("provider unavailable: {why}"),
            Self::Internal(why) => console_error!("internal error: {why}"),
            _ => {}
        }
        let description = self.description();
        let body = Body {
            error: self.code(),
            error_description: &description,
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
