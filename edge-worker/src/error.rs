//! The Worker's one error type, its stable codes and HTTP statuses. `http::wire` renders
//! it (the only place that does). [`Code::ALL`] is the single list of wire codes: the
//! README's table and the SDK's `KithErrorCode` union are held equal to it by a test.

/// Declares the wire codes once: the enum, its text and the list of all of them.
macro_rules! codes {
    ($($variant:ident => ($text:literal, $status:literal)),* $(,)?) => {
        /// A stable, lower-case wire code (`{"error": "<code>"}`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($variant),* }

        impl Code {
            /// Every code the Worker can answer.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text),* }
            }

            /// The HTTP status every error of this code answers with.
            pub fn status(self) -> u16 {
                match self { $(Code::$variant => $status),* }
            }
        }
    };
}

codes! {
    ProjectNotFound => ("project_not_found", 404),
    ProviderNotEnabled => ("provider_not_enabled", 422),
    InvalidRequest => ("invalid_request", 422),
    InvalidGrant => ("invalid_grant", 400),
    RedirectNotAllowed => ("redirect_not_allowed", 400),
    InvalidSocialLogin => ("invalid_social_login", 401),
    EmailVerificationRequired => ("email_verification_required", 403),
    SignupDisabled => ("signup_disabled", 403),
    SignInDisabled => ("sign_in_disabled", 403),
    EmailInUse => ("email_in_use", 409),
    RateLimited => ("rate_limited", 429),
    InvalidRefreshToken => ("invalid_refresh_token", 401),
    InvalidToken => ("invalid_token", 401),
    UserNotFound => ("user_not_found", 404),
    IdentityAlreadyLinked => ("identity_already_linked", 409),
    LastIdentity => ("last_identity", 422),
    IdentityNotFound => ("identity_not_found", 404),
    TokenAccessDenied => ("token_access_denied", 403),
    NoProviderToken => ("no_provider_token", 404),
    ProviderTokenUnsupported => ("provider_token_unsupported", 422),
    ReauthorizationRequired => ("reauthorization_required", 409),
    ProviderUnavailable => ("provider_unavailable", 503),
    Unauthorized => ("unauthorized", 401),
    OriginNotAllowed => ("origin_not_allowed", 403),
    NotFound => ("not_found", 404),
    MethodNotAllowed => ("method_not_allowed", 405),
    ServerError => ("server_error", 500),
    InvalidCode => ("invalid_code", 401),
    VerificationExpired => ("verification_expired", 410),
    VerificationNotFound => ("verification_not_found", 404),
    TooManyAttempts => ("too_many_attempts", 410),
    TooManyResends => ("too_many_resends", 429),
    MailerNotConfigured => ("mailer_not_configured", 503),
    MailerUnavailable => ("mailer_unavailable", 503),
}

/// What went wrong, with the internal reason where the wire gets a coarse code.
#[derive(Debug)]
pub enum ApiError {
    /// 404 `project_not_found`: the `project-id` header names no project.
    ProjectNotFound,
    /// 422 `provider_not_enabled`: unknown or disabled provider.
    ProviderNotEnabled(String),
    /// 422 `invalid_request`: malformed body or parameters.
    InvalidRequest(String),
    /// 400 `invalid_grant`: a Kith code unknown, used, expired, or not matching the verifier.
    InvalidGrant,
    /// 400 `redirect_not_allowed`: the form_post relay's app page is not exactly one of the
    /// project's web `redirect_urls` (the relay never redirects there).
    RedirectNotAllowed,
    /// 401 `invalid_social_login`: the provider's answer or token was not believed.
    InvalidSocialLogin(String),
    /// 503 `provider_unavailable`: the provider's token or JWKS endpoint could not be used.
    ProviderUnavailable(String),
    /// 403 `origin_not_allowed`: a browser call from an origin the project does not list.
    OriginNotAllowed(String),
    /// 403 `email_verification_required`: the provider does not vouch for the email and the
    /// provider has `verify_email`; a code was sent to the address. The body carries the
    /// `verification_token` and the masked address (`email_hint`).
    EmailVerificationRequired { token: String, email_hint: String },
    /// 401 `invalid_code`: the verification code is wrong (the try was counted).
    InvalidCode,
    /// 410 `verification_expired`: the verification's code outlived its 10 minutes.
    VerificationExpired,
    /// 404 `verification_not_found`: unknown or already used verification token.
    VerificationNotFound,
    /// 410 `too_many_attempts`: five wrong codes; the verification is dead.
    TooManyAttempts,
    /// 429 `too_many_resends`: this verification's resends are used up.
    TooManyResends,
    /// 503 `mailer_not_configured`: a code must be sent but the project has no mailer.
    MailerNotConfigured,
    /// 503 `mailer_unavailable`: the project's mailer did not take the message; nothing is
    /// pending.
    MailerUnavailable(String),
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
    /// 403 `token_access_denied`: the provider's `expose_tokens_to_client` is off.
    TokenAccessDenied,
    /// 404 `no_provider_token`: no provider token is stored for this user and provider.
    NoProviderToken,
    /// 422 `provider_token_unsupported`: the provider issues no API token (Apple).
    ProviderTokenUnsupported,
    /// 409 `reauthorization_required`: the provider refused the refresh (grant revoked or
    /// expired); the stored token is dropped. The reason is logged.
    ReauthorizationRequired(String),
    /// 401 `unauthorized`: missing or wrong admin token.
    Unauthorized,
    /// 404 `not_found`: no such route.
    NotFound,
    /// 405 `method_not_allowed`.
    MethodNotAllowed,
    /// 500 `server_error`: a bug or a platform failure; details only in the log.
    Internal(String),
}

impl ApiError {
    /// HTTP status (the code's).
    pub fn status(&self) -> u16 {
        self.code().status()
    }

    /// The stable wire code.
    pub fn code(&self) -> Code {
        match self {
            Self::ProjectNotFound => Code::ProjectNotFound,
            Self::ProviderNotEnabled(_) => Code::ProviderNotEnabled,
            Self::InvalidRequest(_) => Code::InvalidRequest,
            Self::InvalidGrant => Code::InvalidGrant,
            Self::RedirectNotAllowed => Code::RedirectNotAllowed,
            Self::InvalidSocialLogin(_) => Code::InvalidSocialLogin,
            Self::EmailVerificationRequired { .. } => Code::EmailVerificationRequired,
            Self::InvalidCode => Code::InvalidCode,
            Self::VerificationExpired => Code::VerificationExpired,
            Self::VerificationNotFound => Code::VerificationNotFound,
            Self::TooManyAttempts => Code::TooManyAttempts,
            Self::TooManyResends => Code::TooManyResends,
            Self::MailerNotConfigured => Code::MailerNotConfigured,
            Self::MailerUnavailable(_) => Code::MailerUnavailable,
            Self::SignupDisabled => Code::SignupDisabled,
            Self::SignInDisabled => Code::SignInDisabled,
            Self::EmailInUse => Code::EmailInUse,
            Self::RateLimited => Code::RateLimited,
            Self::InvalidRefreshToken => Code::InvalidRefreshToken,
            Self::InvalidToken(_) => Code::InvalidToken,
            Self::UserNotFound => Code::UserNotFound,
            Self::IdentityAlreadyLinked => Code::IdentityAlreadyLinked,
            Self::LastIdentity => Code::LastIdentity,
            Self::IdentityNotFound => Code::IdentityNotFound,
            Self::TokenAccessDenied => Code::TokenAccessDenied,
            Self::NoProviderToken => Code::NoProviderToken,
            Self::ProviderTokenUnsupported => Code::ProviderTokenUnsupported,
            Self::ReauthorizationRequired(_) => Code::ReauthorizationRequired,
            Self::ProviderUnavailable(_) => Code::ProviderUnavailable,
            Self::Unauthorized => Code::Unauthorized,
            Self::OriginNotAllowed(_) => Code::OriginNotAllowed,
            Self::NotFound => Code::NotFound,
            Self::MethodNotAllowed => Code::MethodNotAllowed,
            Self::Internal(_) => Code::ServerError,
        }
    }

    /// The text for humans (`error_description`): never the internal reason.
    pub fn description(&self) -> String {
        match self {
            Self::ProjectNotFound => "No project has this project-id.".into(),
            Self::ProviderNotEnabled(p) => {
                format!("The provider \"{p}\" is not enabled for this project.")
            }
            Self::InvalidRequest(why) => why.clone(),
            Self::InvalidGrant => {
                "The code is unknown, used or expired, or the code_verifier does not match.".into()
            }
            Self::RedirectNotAllowed => {
                "The page to return to is not one of the project's redirect_urls.".into()
            }
            Self::InvalidSocialLogin(_) => "The sign-in could not be verified.".into(),
            Self::EmailVerificationRequired { .. } => {
                "The provider does not vouch for this email: confirm it with the code sent to it."
                    .into()
            }
            Self::InvalidCode => "The verification code is wrong.".into(),
            Self::VerificationExpired => {
                "The verification code expired; ask for a new one or sign in again.".into()
            }
            Self::VerificationNotFound => {
                "The verification token is unknown or was already used.".into()
            }
            Self::TooManyAttempts => {
                "Too many wrong codes: this verification is closed; sign in again.".into()
            }
            Self::TooManyResends => {
                "No more codes can be sent for this verification; sign in again.".into()
            }
            Self::MailerNotConfigured => {
                "This project cannot send verification codes (no mailer is configured).".into()
            }
            Self::MailerUnavailable(_) => {
                "The verification code could not be sent; try again.".into()
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
            Self::TokenAccessDenied => {
                "This provider's tokens are not handed to clients (expose_tokens_to_client is off)."
                    .into()
            }
            Self::NoProviderToken => {
                "No provider token is stored for this account: sign in with the provider again."
                    .into()
            }
            Self::ProviderTokenUnsupported => "This provider issues no API access token.".into(),
            Self::ReauthorizationRequired(_) => {
                "The provider no longer accepts this account's grant: sign in with it again.".into()
            }
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
}

impl ApiError {
    /// The same error with every credential `request` carried taken out of its logged
    /// reason (`kith_claims::oauth::HttpRequest::redact`): for failures of an outbound call,
    /// whose reason may quote its URL, headers or body (a fetch error naming the full URL, a
    /// token endpoint echoing the code). `http::wire` logs these reasons; none may hold a
    /// token, code, verifier or secret.
    #[must_use]
    pub fn redacted(self, request: &kith_claims::oauth::HttpRequest) -> Self {
        match self {
            Self::InvalidSocialLogin(m) => Self::InvalidSocialLogin(request.redact(&m)),
            Self::ReauthorizationRequired(m) => Self::ReauthorizationRequired(request.redact(&m)),
            Self::ProviderUnavailable(m) => Self::ProviderUnavailable(request.redact(&m)),
            Self::InvalidToken(m) => Self::InvalidToken(request.redact(&m)),
            Self::InvalidRequest(m) => Self::InvalidRequest(request.redact(&m)),
            Self::Internal(m) => Self::Internal(request.redact(&m)),
            Self::MailerUnavailable(m) => Self::MailerUnavailable(request.redact(&m)),
            other => other,
        }
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
