//! `POST /api/auth/verify-email` and `/verify-email/resend`: the email-OTP step of a
//! sign-in (`app::otp`).

use super::auth::{answer, Call};
use super::wire;
use crate::app::otp;
use crate::app::signin::Fresh;
use crate::domain::Secret;
use crate::error::ApiResult;
use serde::Deserialize;
use worker::Response;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    verification_token: String,
    code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResendBody {
    verification_token: String,
}

/// `POST /api/auth/verify-email {verification_token, code}` → the session.
pub async fn verify(call: Call<'_>) -> ApiResult<Response> {
    let b: VerifyBody = call.body.json()?;
    let code = Secret::new(b.code);
    let fresh = Fresh::draw(&call.platform.crypto)?;
    let p = &call.platform;
    let granted = otp::verify(
        p,
        &call.config,
        &b.verification_token,
        &code,
        &fresh,
        call.now,
    )
    .await?;
    answer(&call, granted).await
}

/// `POST /api/auth/verify-email/resend {verification_token}` → 204, a new code sent.
pub async fn resend(call: Call<'_>) -> ApiResult<Response> {
    let b: ResendBody = call.body.json()?;
    let project = &call.config.project;
    otp::resend(&call.platform, project, &b.verification_token, call.now).await?;
    wire::no_content()
}
