//! The SDK's error type. It crosses into JavaScript as a plain object `{code, message}`
//! that `pkg/index.js` turns into a `KithError`.

/// Client-side error codes (server codes pass through unchanged).
pub mod codes {
    /// The callback's `state` matches no sign-in started here (or it expired, or was used).
    pub const STATE_MISMATCH: &str = "state_mismatch";
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
}

impl SdkError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

pub type SdkResult<T> = Result<T, SdkError>;
