//! Okta and custom OpenID providers (`oidc:<name>`), from an OpenID Provider discovery
//! document (OpenID Connect Discovery 1.0 section 4) or the same facts configured by hand.

use super::profile::{EmailTrust, Endpoints, NonceStyle, ProviderProfile, SubjectRule};
use super::Protocol;
use crate::error::{Error, ErrorCode, Result};
use crate::id_token::{IssuerRule, StringBooleans};
use crate::jose::Alg;
use crate::json;
use crate::url_policy::TrustworthyUrl;
use serde::Deserialize;

/// A validated OpenID Provider discovery document (OpenID Connect Discovery 1.0 section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The issuer identifier, exactly as the document states it.
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `userinfo_endpoint`, when published.
    pub userinfo_endpoint: Option<String>,
    /// `jwks_uri`.
    pub jwks_uri: String,
    /// The supported id_token algorithms Kith can verify (`none` and HMAC never appear).
    pub algorithms: Vec<Alg>,
}

#[derive(Deserialize)]
struct RawDiscovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<String>,
}

impl Discovery {
    /// Parses a discovery document fetched from `expected_issuer`'s
    /// `/.well-known/openid-configuration`. The `issuer` inside must be exactly the expected
    /// one (Discovery section 4.3), or a look-alike could redirect trust elsewhere, and every
    /// URL must pass [`TrustworthyUrl`] so keys and tokens never travel in the clear.
    pub fn parse(bytes: &[u8], expected_issuer: &str) -> Result<Self> {
        let bad = |m: String| Error::new(ErrorCode::InvalidDiscovery, m);
        let raw: RawDiscovery =
            json::parse_strict(bytes).map_err(|e| bad(format!("not a discovery document: {e}")))?;
        if raw.issuer != expected_issuer {
            return Err(bad(format!(
                "issuer \"{}\" is not \"{expected_issuer}\"",
                raw.issuer
            )));
        }
        for (name, url) in [
            ("issuer", Some(&raw.issuer)),
            ("authorization_endpoint", Some(&raw.authorization_endpoint)),
            ("token_endpoint", Some(&raw.token_endpoint)),
            ("userinfo_endpoint", raw.userinfo_endpoint.as_ref()),
            ("jwks_uri", Some(&raw.jwks_uri)),
        ] {
            if let Some(url) = url {
                TrustworthyUrl::parse(url).map_err(|e| bad(format!("{name}: {}", e.detail())))?;
            }
        }
        let algorithms = raw
            .id_token_signing_alg_values_supported
            .iter()
            .filter_map(|a| Alg::from_name(a))
            .collect();
        Ok(Self {
            issuer: raw.issuer,
            authorization_endpoint: raw.authorization_endpoint,
            token_endpoint: raw.token_endpoint,
            userinfo_endpoint: raw.userinfo_endpoint,
            jwks_uri: raw.jwks_uri,
            algorithms,
        })
    }
}

impl ProviderProfile {
    /// Okta or any custom OIDC provider, from its validated discovery document (RS256 when
    /// the document names no algorithm Kith can verify).
    pub fn from_discovery(d: &Discovery) -> Self {
        let algorithms = if d.algorithms.is_empty() {
            vec![Alg::Rs256]
        } else {
            d.algorithms.clone()
        };
        Self {
            protocol: Protocol::Oidc,
            issuer: IssuerRule::Exact(vec![d.issuer.clone()]),
            algorithms,
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::EmailVerifiedClaim,
            string_booleans: StringBooleans::Refuse,
            subject: SubjectRule::Sub,
            endpoints: Endpoints {
                authorization: d.authorization_endpoint.clone(),
                token: d.token_endpoint.clone(),
                userinfo: d.userinfo_endpoint.clone(),
                jwks: Some(d.jwks_uri.clone()),
            },
            default_scopes: vec!["openid", "email", "profile"],
        }
    }
}
