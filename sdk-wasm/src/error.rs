//! The SDK's error type. It crosses into JavaScript as a plain object
//! `{code, message, status}` that `pkg/index.js` turns into a `KithError`.

use std::fmt;

/// Client-side error codes (server codes pass through unchanged).
pub mod codes {
    /// The callback's `state` matches no sign-in started here (or it expired, or was used).
    pub const STATE_MISMATCH: &str = "state_mismatch";
    /// The stored sign-in lacks its PKCE verifier.
    pub const MISSING_CODE_VERIFIER: &str = "missing_code_verifier";
    /// The Worker could not be reached or answered something unreadable.
    pub const NETWORK_ERROR: &str = "network_error";
    /// localStorage/sessionStorage is unavailable (private mode, quota, blocked).
    pub const STORAGE_UNAVAILABLE: &str = "storage_unavailable";
    /// The call's arguments are invalid, or the callback URL carries no code.
    pub const INVALID_REQUEST: &str = "invalid_request";
}

/// An error with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkError {
    pub code: String,
    pub message: String,
    /// The HTTP status when the error came from the Worker.
    pub status: Option<u16>,
}

impl SdkError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            status: None,
        }
    }
}

impl fmt::Display for SdkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

pub type SdkResult<T> = Result<T, SdkError>;
