//! The admin body of `PUT /admin/projects/{pid}/providers/{provider}`, one typed struct per
//! provider kind (`deny_unknown_fields`: a field of another kind, such as Apple's `team_id`
//! on Google, is refused by the parser itself), and its resolution into the stored
//! [`ProviderConfig`]. Pure: the discovery document of Okta and custom OIDC is fetched by
//! the admin service and passed in.

use super::provider::{ProviderConfig, ProviderOptions, TokenAuthMethod};
use super::Secret;
use kith_claims::providers::{Discovery, Protocol, ProviderKind, ProviderProfile};
use serde::Deserialize;

mod resolve;

fn yes() -> bool {
    true
}

/// Defines a provider body: the fields every kind has, then the kind's own.
macro_rules! provider_body {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[serde(default = "yes")]
            pub enabled: bool,
            pub client_id: String,
            #[serde(default)]
            pub allowed_client_ids: Vec<String>,
            #[serde(default)]
            pub authorization_endpoint: Option<String>,
            #[serde(default)]
            pub token_endpoint: Option<String>,
            #[serde(default)]
            pub userinfo_endpoint: Option<String>,
            #[serde(default)]
            pub jwks_uri: Option<String>,
            #[serde(default)]
            pub scopes: Option<Vec<String>>,
            #[serde(default)]
            pub token_endpoint_auth_method: Option<TokenAuthMethod>,
            #[serde(default)]
            pub options: ProviderOptions,
            $($(#[$fdoc])* #[serde(default)] pub $field: $ty,)*
        }

        impl $name {
            fn common(&self) -> Common<'_> {
                Common {
                    enabled: self.enabled,
                    client_id: &self.client_id,
                    allowed_client_ids: &self.allowed_client_ids,
                    authorization_endpoint: self.authorization_endpoint.as_deref(),
                    token_endpoint: self.token_endpoint.as_deref(),
                    userinfo_endpoint: self.userinfo_endpoint.as_deref(),
                    jwks_uri: self.jwks_uri.as_deref(),
                    scopes: self.scopes.as_deref(),
                    token_endpoint_auth_method: self.token_endpoint_auth_method,
                    options: &self.options,
                }
            }
        }
    };
}

provider_body!(
    /// Google: `hosted_domain` restricts sign-in to one Workspace domain (`hd`).
    GoogleBody { client_secret: Option<String>, hosted_domain: Option<String> }
);
provider_body!(
    /// Sign in with Apple: the client secret is minted from the team's key, never given.
    AppleBody { team_id: Option<String>, key_id: Option<String>, private_key: Option<String> }
);
provider_body!(
    /// Microsoft: `tenant` is an id, `common`, `organizations` or `consumers`.
    MicrosoftBody { client_secret: Option<String>, tenant: Option<String>, allowed_tenants: Vec<String> }
);
provider_body!(
    /// GitHub and Facebook (OAuth 2.0: identity from the provider's API).
    OAuth2Body { client_secret: Option<String> }
);
provider_body!(
    /// Okta and custom OIDC: everything from the issuer's discovery document, or explicit
    /// endpoints for a custom provider.
    OidcBody { client_secret: Option<String>, issuer: Option<String>, discovery_url: Option<String> }
);

/// A provider body, typed by the provider's kind.
pub enum ProviderSettings {
    Google(GoogleBody),
    Apple(AppleBody),
    Microsoft(MicrosoftBody),
    GitHub(OAuth2Body),
    Facebook(OAuth2Body),
    Okta(OidcBody),
    CustomOidc(OidcBody),
}

/// The fields every kind shares, borrowed.
struct Common<'a> {
    enabled: bool,
    client_id: &'a str,
    allowed_client_ids: &'a [String],
    authorization_endpoint: Option<&'a str>,
    token_endpoint: Option<&'a str>,
    userinfo_endpoint: Option<&'a str>,
    jwks_uri: Option<&'a str>,
    scopes: Option<&'a [String]>,
    token_endpoint_auth_method: Option<TokenAuthMethod>,
    options: &'a ProviderOptions,
}

/// Where an Okta or custom OIDC provider's configuration must be discovered.
pub struct DiscoveryNeeded {
    pub issuer: String,
    pub url: String,
}

/// A resolved provider: the public configuration and the secret to seal.
pub struct Resolved {
    pub enabled: bool,
    pub config: ProviderConfig,
    /// The client secret, or Apple's `.p8` private key (`apple_key`).
    pub secret: Option<Secret>,
    pub apple_key: bool,
}

impl ProviderSettings {
    /// Parses the body for `kind`.
    pub fn parse(kind: ProviderKind, body: &[u8]) -> Result<Self, String> {
        fn de<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
            serde_json::from_slice(body).map_err(|e| format!("invalid body: {e}"))
        }
        Ok(match kind {
            ProviderKind::Google => Self::Google(de(body)?),
            ProviderKind::Apple => Self::Apple(de(body)?),
            ProviderKind::Microsoft => Self::Microsoft(de(body)?),
            ProviderKind::GitHub => Self::GitHub(de(body)?),
            ProviderKind::Facebook => Self::Facebook(de(body)?),
            ProviderKind::Okta => Self::Okta(de(body)?),
            ProviderKind::CustomOidc => Self::CustomOidc(de(body)?),
        })
    }

    fn common(&self) -> Common<'_> {
        match self {
            Self::Google(b) => b.common(),
            Self::Apple(b) => b.common(),
            Self::Microsoft(b) => b.common(),
            Self::GitHub(b) | Self::Facebook(b) => b.common(),
            Self::Okta(b) | Self::CustomOidc(b) => b.common(),
        }
    }

    /// Okta, and a custom OIDC provider without all three explicit endpoints (or with a
    /// `discovery_url`), are configured from the issuer's discovery document.
    pub fn discovery(&self) -> Result<Option<DiscoveryNeeded>, String> {
        let (b, okta) = match self {
            Self::Okta(b) => (b, true),
            Self::CustomOidc(b) => (b, false),
            _ => return Ok(None),
        };
        let issuer = b.issuer.clone().ok_or("\"issuer\" is required")?;
        let explicit = b.authorization_endpoint.is_some()
            && b.token_endpoint.is_some()
            && b.jwks_uri.is_some();
        if !(okta || b.discovery_url.is_some() || !explicit) {
            return Ok(None);
        }
        let url = b.discovery_url.clone().unwrap_or_else(|| {
            format!(
                "{}/.well-known/openid-configuration",
                issuer.trim_end_matches('/')
            )
        });
        Ok(Some(DiscoveryNeeded { issuer, url }))
    }
}
