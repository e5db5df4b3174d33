//! The SDK's one error type. It crosses into JavaScript as a plain object
//! `{code, message, status?, verification_token?, email_hint?}` that `pkg/index.js` turns into a
//! `KithError`. Codes are the Worker's (passed through unchanged) or the client
//! codes below; `pkg/index.d.ts` lists every one of them.

use crate::prelude::*;

use core::fmt;

/// The codes the SDK raises itself (server codes pass through unchanged).
pub mod codes {
    /// The callback's `state` matches no sign-in started here (or it expired, or was used).
    pub const STATE_MISMATCH: &str = "state_mismatch";
    /// The stored sign-in has no PKCE verifier to complete the code exchange with.
    pub const MISSING_CODE_VERIFIER: &str = "missing_code_verifier";
    /// The Worker could not be reached, or answered with something that is not Kith's JSON.
    pub const NETWORK_ERROR: &str = "network_error";
    /// localStorage/sessionStorage (or the app's storage object) failed: private mode, quota,
    /// blocked.
    pub const STORAGE_UNAVAILABLE: &str = "storage_unavailable";
    /// The call's arguments are invalid, a URL is not https, or the callback carries no code.
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// The provider is not among the project's enabled providers.
    pub const PROVIDER_NOT_ENABLED: &str = "provider_not_enabled";
    /// No session to authorize a call with (the Worker's code for a missing bearer).
    pub const INVALID_TOKEN: &str = "invalid_token";
    /// No refresh token, or it was revoked (the Worker's code for a dead refresh token).
    pub const INVALID_REFRESH_TOKEN: &str = "invalid_refresh_token";
    /// The sign-in was refused (by the Worker, or by the provider on its redirect back).
    pub const INVALID_SOCIAL_LOGIN: &str = "invalid_social_login";
    /// Too many attempts (the Worker's 429).
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The Worker's code for a deleted user.
    pub const USER_NOT_FOUND: &str = "user_not_found";
}

/// An error with a stable machine code. `Debug` prints the code and status only: a
/// `verification_token` is a credential.
#[derive(Clone, PartialEq, Eq)]
pub struct SdkError {
    pub code: String,
    pub message: String,
    /// The HTTP status when the error came from the Worker.
    pub status: Option<u16>,
    /// With `email_verification_required`: the token to complete `verifyEmail` with.
    pub verification_token: Option<String>,
    /// With `email_verification_required`: the masked address the code went to.
    pub email_hint: Option<String>,
    /// A 429's `Retry-After`, in seconds: the least the SDK waits before trying again.
    pub retry_after_s: Option<u32>,
}

impl fmt::Debug for SdkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SdkError")
            .field("code", &self.code)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl SdkError {
    #[cold]
    #[inline(never)]
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            status: None,
            verification_token: None,
            email_hint: None,
            retry_after_s: None,
        }
    }

    /// An error the Worker answered with.
    #[cold]
    #[inline(never)]
    pub fn from_worker(status: u16, code: &str, message: &str) -> Self {
        Self {
            status: Some(status),
            ..Self::new(code, message)
        }
    }

    /// Whether the session this error answered a refresh of is gone for good (revoked,
    /// rotated past its grace, user deleted): the SDK signs out instead of trying again.
    pub fn ends_session(&self) -> bool {
        [
            codes::INVALID_REFRESH_TOKEN,
            codes::INVALID_TOKEN,
            codes::USER_NOT_FOUND,
        ]
        .contains(&self.code.as_str())
    }
}

pub type SdkResult<T> = Result<T, SdkError>;
