//! Provider profiles as data, read by one generic engine (CONTRACT "Providers").
//!
//! A profile says how to believe a provider: which issuer(s), which signature algorithms,
//! how the nonce is carried, and when the provider vouches for an email. Endpoints are data
//! too, so tests point them at local stand-ins and production at the real hosts; nothing
//! branches on a "test mode".

use crate::error::{Error, ErrorCode, Result};
use crate::idtoken::{IdTokenClaims, NonceCheck};
use crate::json;
use crate::jws::Alg;
use serde::Deserialize;

/// OIDC (id_token) or plain OAuth 2.0 (identity from an API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Oidc,
    OAuth2,
}

/// Microsoft's consumer (personal account) tenant.
pub const MICROSOFT_CONSUMER_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Whether `id` looks like a Microsoft tenant or object id (hex digits and `-`, at most 64):
/// nothing else may go into an issuer URL or an identity key.
pub fn guid_like(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// How `iss` is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerRule {
    /// `iss` must be exactly one of these.
    Exact(Vec<String>),
    /// Microsoft multi-tenant: `iss` must equal `template` with `{tid}` replaced by the
    /// token's own `tid` claim, and `tid` must pass `tenants`.
    TenantTemplate {
        template: String,
        tenants: TenantPolicy,
    },
}

/// Which Microsoft tenants a multi-tenant configuration admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantPolicy {
    /// Any tenant (`common`).
    Any,
    /// Any work or school tenant, not the consumer tenant (`organizations`).
    Organizations,
    /// Only these tenant ids (`allowed_tenants`).
    Only(Vec<String>),
}

impl IssuerRule {
    /// Checks `claims.iss` (and `tid` for the template).
    pub fn accepts(&self, claims: &IdTokenClaims) -> bool {
        match self {
            Self::Exact(list) => list.contains(&claims.iss),
            Self::TenantTemplate { template, tenants } => {
                let Some(tid) = claims.tid.as_deref() else {
                    return false;
                };
                // A tenant id is a GUID: never let it smuggle path characters into the issuer.
                let guid_like = guid_like(tid);
                let tenant_ok = match tenants {
                    TenantPolicy::Any => true,
                    TenantPolicy::Organizations => tid != MICROSOFT_CONSUMER_TENANT,
                    TenantPolicy::Only(list) => list.iter().any(|t| t == tid),
                };
                guid_like && tenant_ok && template.replace("{tid}", tid) == claims.iss
            }
        }
    }
}

/// How the id_token carries the nonce the client made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceStyle {
    /// The raw nonce.
    Exact,
    /// The lowercase hex SHA-256 of the raw nonce (what Apple's SDKs are given), or the raw
    /// nonce itself; both bind the token to the same raw value.
    Sha256HexOrExact,
}

impl NonceStyle {
    /// The check for a raw nonce the client sent (`None`: the token must carry none).
    pub fn check(self, raw: Option<&str>) -> NonceCheck {
        match (self, raw) {
            (_, None) => NonceCheck::ExpectNone,
            (Self::Exact, Some(n)) => NonceCheck::Exact(n.to_owned()),
            (Self::Sha256HexOrExact, Some(n)) => NonceCheck::Sha256HexOrExact(n.to_owned()),
        }
    }
}

/// When the provider vouches that the email belongs to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTrust {
    /// `email_verified` is true (booleans, or Apple's `"true"`).
    EmailVerifiedClaim,
    /// Microsoft: only when the optional claim `xms_edov` is true (nOAuth defence); the
    /// `email_verified` claim is not used.
    MicrosoftXmsEdov,
    /// GitHub: only a `primary && verified` address from `/user/emails`.
    GithubPrimaryVerified,
    /// The provider only ever returns confirmed addresses (Facebook's Graph API).
    ConfirmedByProvider,
}

/// The endpoints of a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
    pub userinfo: Option<String>,
    pub jwks: Option<String>,
}

/// Everything Kith needs to know to believe one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderProfile {
    pub kind: ProviderKind,
    pub issuer: IssuerRule,
    pub algorithms: Vec<Alg>,
    pub nonce: NonceStyle,
    pub email_trust: EmailTrust,
    pub endpoints: Endpoints,
    pub default_scopes: Vec<&'static str>,
}

fn s(v: &str) -> String {
    v.to_owned()
}

impl ProviderProfile {
    /// Google (both issuer spellings, RS256).
    pub fn google() -> Self {
        Self {
            kind: ProviderKind::Oidc,
            issuer: IssuerRule::Exact(vec![
                s("https://accounts.google.com"),
                s("accounts.google.com"),
            ]),
            algorithms: vec![Alg::Rs256],
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::EmailVerifiedClaim,
            endpoints: Endpoints {
                authorization: s("https://accounts.google.com/o/oauth2/v2/auth"),
                token: s("https://oauth2.googleapis.com/token"),
                userinfo: Some(s("https://openidconnect.googleapis.com/v1/userinfo")),
                jwks: Some(s("https://www.googleapis.com/oauth2/v3/certs")),
            },
            default_scopes: vec!["openid", "email", "profile"],
        }
    }

    /// Sign in with Apple (RS256; nonce raw or SHA-256 hex; string booleans).
    pub fn apple() -> Self {
        Self {
            kind: ProviderKind::Oidc,
            issuer: IssuerRule::Exact(vec![s("https://appleid.apple.com")]),
            algorithms: vec![Alg::Rs256],
            nonce: NonceStyle::Sha256HexOrExact,
            email_trust: EmailTrust::EmailVerifiedClaim,
            endpoints: Endpoints {
                authorization: s("https://appleid.apple.com/auth/authorize"),
                token: s("https://appleid.apple.com/auth/token"),
                userinfo: None,
                jwks: Some(s("https://appleid.apple.com/auth/keys")),
            },
            default_scopes: vec!["name", "email"],
        }
    }

    /// Microsoft Entra ID v2.0 for `tenant`: a tenant id, `common`, `organizations` or
    /// `consumers`. `allowed_tenants` (non-empty) restricts multi-tenant configurations.
    pub fn microsoft(tenant: &str, allowed_tenants: &[String]) -> Result<Self> {
        let base = "https://login.microsoftonline.com";
        let template = format!("{base}/{{tid}}/v2.0");
        let only = |fallback: TenantPolicy| {
            if allowed_tenants.is_empty() {
                fallback
            } else {
                TenantPolicy::Only(allowed_tenants.to_vec())
            }
        };
        let issuer =
            match tenant {
                "common" => IssuerRule::TenantTemplate {
                    template,
                    tenants: only(TenantPolicy::Any),
                },
                "organizations" => IssuerRule::TenantTemplate {
                    template,
                    tenants: only(TenantPolicy::Organizations),
                },
                "consumers" => {
                    IssuerRule::Exact(vec![format!("{base}/{MICROSOFT_CONSUMER_TENANT}/v2.0")])
                }
                id if guid_like(id) => {
                    IssuerRule::Exact(vec![format!("{base}/{}/v2.0", id.to_ascii_lowercase())])
                }
                _ => return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "tenant must be a tenant id, \"common\", \"organizations\" or \"consumers\"",
                )),
            };
        Ok(Self {
            kind: ProviderKind::Oidc,
            issuer,
            algorithms: vec![Alg::Rs256],
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::MicrosoftXmsEdov,
            endpoints: Endpoints {
                authorization: format!("{base}/{tenant}/oauth2/v2.0/authorize"),
                token: format!("{base}/{tenant}/oauth2/v2.0/token"),
                userinfo: Some(s("https://graph.microsoft.com/oidc/userinfo")),
                jwks: Some(format!("{base}/{tenant}/discovery/v2.0/keys")),
            },
            default_scopes: vec!["openid", "email", "profile"],
        })
    }

    /// GitHub: OAuth 2.0, identity from `/user` and `/user/emails`.
    pub fn github() -> Self {
        Self {
            kind: ProviderKind::OAuth2,
            issuer: IssuerRule::Exact(vec![]),
            algorithms: vec![],
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::GithubPrimaryVerified,
            endpoints: Endpoints {
                authorization: s("https://github.com/login/oauth/authorize"),
                token: s("https://github.com/login/oauth/access_token"),
                userinfo: Some(s("https://api.github.com/user")),
                jwks: None,
            },
            default_scopes: vec!["read:user", "user:email"],
        }
    }

    /// Facebook: Graph `/me` (OAuth 2.0), or Limited Login id_tokens (RS256).
    pub fn facebook() -> Self {
        Self {
            kind: ProviderKind::OAuth2,
            issuer: IssuerRule::Exact(vec![s("https://www.facebook.com")]),
            algorithms: vec![Alg::Rs256],
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::ConfirmedByProvider,
            endpoints: Endpoints {
                authorization: s("https://www.facebook.com/v19.0/dialog/oauth"),
                token: s("https://graph.facebook.com/v19.0/oauth/access_token"),
                userinfo: Some(s(
                    "https://graph.facebook.com/me?fields=id,name,email,picture",
                )),
                jwks: Some(s(
                    "https://limited.facebook.com/.well-known/oauth/openid/jwks/",
                )),
            },
            default_scopes: vec!["email", "public_profile"],
        }
    }

    /// Okta or any custom OIDC provider, from its validated discovery document.
    pub fn from_discovery(d: &Discovery) -> Self {
        let algorithms = if d.algorithms.is_empty() {
            vec![Alg::Rs256]
        } else {
            d.algorithms.clone()
        };
        Self {
            kind: ProviderKind::Oidc,
            issuer: IssuerRule::Exact(vec![d.issuer.clone()]),
            algorithms,
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::EmailVerifiedClaim,
            endpoints: Endpoints {
                authorization: d.authorization_endpoint.clone(),
                token: d.token_endpoint.clone(),
                userinfo: d.userinfo_endpoint.clone(),
                jwks: Some(d.jwks_uri.clone()),
            },
            default_scopes: vec!["openid", "email", "profile"],
        }
    }

    /// Whether the verified id_token's email is vouched for by the provider.
    pub fn email_trusted(&self, claims: &IdTokenClaims) -> bool {
        if claims.email.as_deref().is_none_or(str::is_empty) {
            return false;
        }
        match self.email_trust {
            EmailTrust::EmailVerifiedClaim => claims.email_verified == Some(true),
            EmailTrust::MicrosoftXmsEdov => claims.xms_edov == Some(true),
            EmailTrust::ConfirmedByProvider => true,
            // GitHub has no id_token; its trust comes from `github_identity`.
            EmailTrust::GithubPrimaryVerified => false,
        }
    }
}

/// A validated OpenID Provider discovery document (OpenID Connect Discovery 1.0 section 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
    /// The supported id_token algorithms Kith can verify.
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

/// `https://`, or `http://` on a loopback host (local development).
pub fn acceptable_url(url: &str) -> bool {
    let host_of = |rest: &str| {
        rest.split(['/', '?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(rest) = url.strip_prefix("https://") {
        return !host_of(rest).is_empty();
    }
    if let Some(rest) = url.strip_prefix("http://") {
        let host = host_of(rest);
        let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
        return matches!(name, "127.0.0.1" | "localhost" | "[::1]");
    }
    false
}

impl Discovery {
    /// Parses a discovery document fetched from `expected_issuer`'s
    /// `/.well-known/openid-configuration`. The `issuer` inside must be exactly the expected
    /// one (Discovery section 4.3), or a look-alike could redirect trust elsewhere.
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
                if !acceptable_url(url) {
                    return Err(bad(format!("{name} must be https")));
                }
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

/// An identity from a provider without id_tokens (GitHub, Facebook Graph).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiIdentity {
    pub subject: String,
    pub email: Option<String>,
    pub email_trusted: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
}

/// Builds the GitHub identity from `GET /user` and `GET /user/emails` bodies. The subject is
/// the numeric `id` (logins can be renamed and re-registered); only a `primary && verified`
/// address is trusted — a verified but non-primary address is not used at all.
pub fn github_identity(user: &[u8], emails: &[u8]) -> Result<ApiIdentity> {
    #[derive(Deserialize)]
    struct User {
        id: u64,
        login: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        avatar_url: Option<String>,
    }
    #[derive(Deserialize)]
    struct Email {
        email: String,
        #[serde(default)]
        primary: bool,
        #[serde(default)]
        verified: bool,
    }
    let bad = |m: String| Error::new(ErrorCode::MalformedClaims, m);
    let u: User = serde_json::from_slice(user).map_err(|e| bad(format!("GitHub /user: {e}")))?;
    let list: Vec<Email> =
        serde_json::from_slice(emails).map_err(|e| bad(format!("GitHub /user/emails: {e}")))?;
    let primary = list.into_iter().find(|e| e.primary && e.verified);
    Ok(ApiIdentity {
        subject: u.id.to_string(),
        email_trusted: primary.is_some(),
        email: primary.map(|e| e.email),
        name: u.name.or(Some(u.login)),
        picture: u.avatar_url,
    })
}

/// Facebook's `appsecret_proof`: lowercase hex HMAC-SHA256 of the access token keyed with
/// the app secret. Graph API calls carrying it cannot be replayed with a token stolen from
/// another app.
pub fn facebook_appsecret_proof(app_secret: &str, access_token: &str) -> String {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length.
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes()) else {
        return String::new();
    };
    mac.update(access_token.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The identity in a Graph API `/me?fields=id,name,email,picture` answer. Facebook only
/// returns confirmed addresses, so a present email is trusted.
pub fn facebook_identity(me: &[u8]) -> Result<ApiIdentity> {
    #[derive(Deserialize)]
    struct Picture {
        data: PictureData,
    }
    #[derive(Deserialize)]
    struct PictureData {
        url: Option<String>,
    }
    #[derive(Deserialize)]
    struct Me {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        email: Option<String>,
        #[serde(default)]
        picture: Option<Picture>,
    }
    let me: Me = serde_json::from_slice(me)
        .map_err(|e| Error::new(ErrorCode::MalformedClaims, format!("Graph /me: {e}")))?;
    if me.id.is_empty() || !me.id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(
            ErrorCode::MalformedClaims,
            "Graph /me: id must be numeric",
        ));
    }
    let email = me.email.filter(|e| !e.is_empty());
    Ok(ApiIdentity {
        subject: me.id,
        email_trusted: email.is_some(),
        email,
        name: me.name,
        picture: me.picture.and_then(|p| p.data.url),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appsecret_proof_is_hmac_sha256_hex() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") (RFC 4231 style vector).
        assert_eq!(
            facebook_appsecret_proof("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn facebook_me_gives_numeric_subject_and_trusted_email() {
        let id = facebook_identity(br#"{"id":"10158","name":"F","email":"f@example.com","picture":{"data":{"url":"https://p/x.jpg"}}}"#).unwrap();
        assert_eq!(id.subject, "10158");
        assert!(id.email_trusted);
        assert_eq!(id.picture.as_deref(), Some("https://p/x.jpg"));
        let no_email = facebook_identity(br#"{"id":"10158"}"#).unwrap();
        assert!(!no_email.email_trusted);
        assert!(facebook_identity(br#"{"id":"abc"}"#).is_err());
    }

    #[test]
    fn acceptable_urls_are_https_or_loopback_http() {
        assert!(acceptable_url("https://op.example/x"));
        assert!(acceptable_url("http://127.0.0.1:9000/x"));
        assert!(acceptable_url("http://localhost/x"));
        assert!(!acceptable_url("http://op.example/x"));
        assert!(!acceptable_url("http://127.0.0.1.evil.example/x"));
        assert!(!acceptable_url("ftp://op.example"));
        assert!(!acceptable_url("https://"));
    }
}
