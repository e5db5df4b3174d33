//! The one mapping of errors to the wire, and the JSON answers.
//!
//! Every error answers `{"error": code, "error_description": text}` with a stable code
//! (documented in the README). The *reason* a login was refused (which claim, which key) is
//! logged but never sent: a client learns only `invalid_social_login`, so a forger cannot
//! probe which check it would pass.

use crate::app::store::StoreError;
use crate::error::{ApiError, ApiResult};
use serde::Serialize;
use worker::{console_error, console_warn, Response};

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(m)
            | StoreError::Corrupt(m)
            | StoreError::Refused(m)
            | StoreError::Other(m) => ApiError::Internal(format!("database: {m}")),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_hint: Option<&'a str>,
}

/// Logs the internal reason of `e` (never a secret: reasons name checks, not values).
pub fn log(e: &ApiError) {
    match e {
        ApiError::InvalidSocialLogin(why) => console_warn!("login refused: {why}"),
        ApiError::InvalidToken(why) => console_warn!("bearer refused: {why}"),
        ApiError::ProviderUnavailable(why) => console_warn!("provider unavailable: {why}"),
        ApiError::ReauthorizationRequired(why) => console_warn!("provider token dropped: {why}"),
        ApiError::MailerUnavailable(why) => console_warn!("mailer unavailable: {why}"),
        ApiError::Internal(why) => console_error!("internal error: {why}"),
        _ => {}
    }
}

/// Logs the reason and renders the JSON error.
pub fn error_response(e: &ApiError) -> worker::Result<Response> {
    log(e);
    let description = e.description();
    let (verification_token, email_hint) = match e {
        ApiError::EmailVerificationRequired { token, email_hint } => {
            (Some(token.as_str()), Some(email_hint.as_str()))
        }
        _ => (None, None),
    };
    let body = Body {
        error: e.code().as_str(),
        error_description: &description,
        verification_token,
        email_hint,
    };
    Ok(Response::from_json(&body)?.with_status(e.status()))
}

/// A JSON answer that no cache keeps.
pub fn json_response(value: &impl Serialize, status: u16) -> ApiResult<Response> {
    let resp = Response::from_json(value)?.with_status(status);
    resp.headers().set("cache-control", "no-store")?;
    Ok(resp)
}

/// `204 No Content`.
pub fn no_content() -> ApiResult<Response> {
    Ok(Response::empty()?.with_status(204))
}
