//! One error type for the crate, with stable machine codes.
//!
//! Codes are part of Kith's public surface (the Worker logs them, tests assert on them):
//! they never change meaning. The human text may change.

use alloc::string::String;
use core::fmt;

/// Stable, machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The token is not a well-formed compact JWS.
    MalformedJws,
    /// The JWS header uses a parameter Kith refuses (`crit`, `jwk`, `jku`, `x5u`, `x5c`, `b64`).
    ForbiddenHeader,
    /// The header `alg` is not one the provider profile allows.
    AlgNotAllowed,
    /// The JWKS document or a key in it is malformed or too weak.
    InvalidJwks,
    /// No key of the JWKS matches the token (`kid`, `kty`, `alg`, `use`).
    NoMatchingKey,
    /// Several keys match a token without `kid`: refusing to guess.
    AmbiguousKey,
    /// The signature does not verify.
    InvalidSignature,
    /// The claims set is not a JSON object of the expected shape.
    MalformedClaims,
    /// `iss` is not the expected issuer.
    IssuerMismatch,
    /// `aud` does not contain an allowed client id, or contains an untrusted audience.
    AudienceMismatch,
    /// `azp` is present and is not the client id.
    AuthorizedPartyMismatch,
    /// `exp` is in the past (beyond the allowed skew).
    Expired,
    /// `nbf` is in the future (beyond the allowed skew).
    NotYetValid,
    /// `iat` is in the future, or the token is older than the maximum age.
    IssuedAtInvalid,
    /// The nonce is missing, differs, or is present when none was expected.
    NonceMismatch,
    /// The token endpoint answered with an OAuth error or an unusable body.
    TokenEndpointError,
    /// An input value is outside what Kith accepts (length, characters).
    InvalidInput,
    /// The header `typ` says the token is not an id_token.
    TypeMismatch,
    /// Google `hd` is not the configured hosted domain.
    HostedDomainMismatch,
    /// A discovery document is malformed, names another issuer, or uses insecure URLs.
    InvalidDiscovery,
    /// A URL breaks Kith's URL policy ([`crate::url_policy`]): not https (nor http on
    /// loopback), userinfo, backslashes, control characters, a malformed host or port.
    InvalidUrl,
}

impl ErrorCode {
    /// The stable code string, e.g. `"nonce_mismatch"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MalformedJws => "malformed_jws",
            Self::ForbiddenHeader => "forbidden_header",
            Self::AlgNotAllowed => "alg_not_allowed",
            Self::InvalidJwks => "invalid_jwks",
            Self::NoMatchingKey => "no_matching_key",
            Self::AmbiguousKey => "ambiguous_key",
            Self::InvalidSignature => "invalid_signature",
            Self::MalformedClaims => "malformed_claims",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::AudienceMismatch => "audience_mismatch",
            Self::AuthorizedPartyMismatch => "authorized_party_mismatch",
            Self::Expired => "token_expired",
            Self::NotYetValid => "token_not_yet_valid",
            Self::IssuedAtInvalid => "issued_at_invalid",
            Self::NonceMismatch => "nonce_mismatch",
            Self::TokenEndpointError => "token_endpoint_error",
            Self::InvalidInput => "invalid_input",
            Self::TypeMismatch => "type_mismatch",
            Self::HostedDomainMismatch => "hosted_domain_mismatch",
            Self::InvalidDiscovery => "invalid_discovery",
            Self::InvalidUrl => "invalid_url",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with a stable [`ErrorCode`] and a short human explanation (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    detail: String,
}

impl Error {
    /// An error with a code and a human explanation.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// Human-readable context; never contains token material or secrets.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl core::error::Error for Error {}

/// The result of every fallible function of the crate.
pub type Result<T> = core::result::Result<T, Error>;
