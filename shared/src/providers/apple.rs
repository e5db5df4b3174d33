//! Sign in with Apple ("Authenticating users with Sign in with Apple", "Verifying a user"):
//! id_tokens signed RS256, the nonce raw or as its SHA-256 hex, string booleans (the only
//! profile that accepts them: [`StringBooleans::Accept`])
//! (`"email_verified": "true"`), private relay addresses (`is_private_email`).

use super::profile::{EmailTrust, Endpoints, NonceStyle, ProviderProfile, SubjectRule};
use super::Protocol;
use crate::id_token::{IssuerRule, StringBooleans};
use crate::jose::Alg;

/// Apple's issuer, also the `aud` of the client-secret JWT a Worker mints for Apple.
pub const ISSUER: &str = "https://appleid.apple.com";

impl ProviderProfile {
    /// Sign in with Apple (RS256; nonce raw or SHA-256 hex; string booleans).
    pub fn apple() -> Self {
        Self {
            protocol: Protocol::Oidc,
            issuer: IssuerRule::Exact(vec![ISSUER.to_owned()]),
            algorithms: vec![Alg::Rs256],
            nonce: NonceStyle::Sha256HexOrExact,
            email_trust: EmailTrust::EmailVerifiedClaim,
            string_booleans: StringBooleans::Accept,
            subject: SubjectRule::Sub,
            endpoints: Endpoints {
                authorization: "https://appleid.apple.com/auth/authorize".to_owned(),
                token: "https://appleid.apple.com/auth/token".to_owned(),
                userinfo: None,
                jwks: Some("https://appleid.apple.com/auth/keys".to_owned()),
            },
            default_scopes: vec!["name", "email"],
        }
    }
}
