//! Google (Google Identity, "OpenID Connect" and "Authenticate with a backend server"):
//! id_tokens signed RS256, issuer spelled with or without `https://`, `email_verified`,
//! and the Workspace `hd` claim ([`crate::id_token::Expectations::hosted_domain`]).

use super::profile::{EmailTrust, Endpoints, NonceStyle, ProviderProfile, SubjectRule};
use super::Protocol;
use crate::id_token::{IssuerRule, StringBooleans};
use crate::jose::Alg;

/// Google's issuer, as configured (tokens may also say `accounts.google.com`).
pub const ISSUER: &str = "https://accounts.google.com";

impl ProviderProfile {
    /// Google (both issuer spellings, RS256).
    pub fn google() -> Self {
        Self {
            protocol: Protocol::Oidc,
            issuer: IssuerRule::Exact(vec![ISSUER.to_owned(), "accounts.google.com".to_owned()]),
            algorithms: vec![Alg::Rs256],
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::EmailVerifiedClaim,
            string_booleans: StringBooleans::Refuse,
            subject: SubjectRule::Sub,
            endpoints: Endpoints {
                authorization: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
                token: "https://oauth2.googleapis.com/token".to_owned(),
                userinfo: Some("https://openidconnect.googleapis.com/v1/userinfo".to_owned()),
                jwks: Some("https://www.googleapis.com/oauth2/v3/certs".to_owned()),
            },
            default_scopes: vec!["openid", "email", "profile"],
        }
    }
}
