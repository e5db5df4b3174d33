//! What a valid id_token must satisfy: every relaxable check of OIDC Core 1.0 section
//! 3.1.3.7 is an explicit value here, never a silent skip.

use super::IssuerRule;
use crate::jose::Alg;
use std::fmt;

/// Default clock skew allowance: 60 seconds (OIDC Core 1.0 section 3.1.3.7 items 9-10).
pub const DEFAULT_LEEWAY_SECS: i64 = 60;
/// Default maximum id_token age: 10 minutes (OIDC Core 1.0 section 3.1.3.7 item 10).
pub const DEFAULT_MAX_AGE_SECS: i64 = 600;

/// How the `nonce` claim must look (OIDC Core 1.0 section 3.1.3.7 item 11).
///
/// `Debug` redacts the nonce: it binds the token to the client's session (section 15.5.2),
/// so it stays out of logs.
#[derive(Clone, PartialEq, Eq)]
pub enum NonceCheck {
    /// The claim must equal this raw nonce exactly.
    Exact(String),
    /// The claim must equal the lowercase hex SHA-256 of this raw nonce (the form Apple's and
    /// Google's JavaScript SDKs send when the app passes a hashed nonce).
    Sha256Hex(String),
    /// Either of the two above: the claim is the raw nonce or its SHA-256 hex (Apple).
    Sha256HexOrExact(String),
    /// The token must carry no nonce at all (flows in which none was sent).
    ExpectNone,
}

impl fmt::Debug for NonceCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Exact(_) => "Exact([redacted])",
            Self::Sha256Hex(_) => "Sha256Hex([redacted])",
            Self::Sha256HexOrExact(_) => "Sha256HexOrExact([redacted])",
            Self::ExpectNone => "ExpectNone",
        })
    }
}

/// What the JOSE header `typ` may be (RFC 8725 section 3.11, explicit typing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypRule {
    /// Absent, `JWT` or `application/jwt` (case-insensitive): refuses tokens typed for
    /// another purpose (`at+jwt`, `logout+jwt`, ...) used in place of an id_token.
    JwtOrAbsent,
    /// Not checked (for providers known to put other values there).
    Unchecked,
}

/// What a valid id_token must satisfy (OIDC Core 1.0 section 3.1.3.7). A provider profile
/// builds one ([`crate::providers::ProviderProfile::expectations`]); tests build their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    /// How `iss` is checked: exact, or Microsoft's `{tid}` template bound to the token's `tid`.
    pub issuer: IssuerRule,
    /// Client ids that may appear in `aud` and `azp`. At least one must be in `aud`, and
    /// every `aud` member must be one of these (no untrusted extra audience).
    pub client_ids: Vec<String>,
    /// Algorithms allowed by the provider profile; the header `alg` must be one of them.
    pub algorithms: Vec<Alg>,
    /// The nonce rule.
    pub nonce: NonceCheck,
    /// Allowed clock skew for `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: i64,
    /// Oldest `iat` accepted, in seconds before now.
    pub max_age_secs: i64,
    /// The header `typ` rule.
    pub typ: TypRule,
    /// Google Workspace: the `hd` claim must equal this domain.
    pub hosted_domain: Option<String>,
}
