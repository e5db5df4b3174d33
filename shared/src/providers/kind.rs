//! Provider kinds (CONTRACT "Providers"): the one list of providers Kith knows. No I/O, no
//! allocation: the browser SDK's no_std build reads it too (which parameters a provider's
//! authorization request needs).

/// How a provider proves an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// OpenID Connect: a signed id_token (OIDC Core 1.0 section 3.1), checked by
    /// [`crate::id_token::validate`].
    Oidc,
    /// Plain OAuth 2.0 (RFC 6749): the identity comes from the provider's API, called with
    /// the access token of the code exchange.
    OAuth2,
}

/// The providers Kith knows. Each has a file in [`crate::providers`] with its profile and
/// quirks; Okta and `oidc:<name>` providers are configured through discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    /// `google`.
    Google,
    /// `apple`.
    Apple,
    /// `microsoft`.
    Microsoft,
    /// `github`.
    GitHub,
    /// `facebook`.
    Facebook,
    /// `okta`.
    Okta,
    /// `oidc:<name>`: any OpenID provider, configured by issuer or discovery.
    CustomOidc,
}

impl ProviderKind {
    /// The kind of a provider name, or `None` for names Kith does not know: `google`,
    /// `apple`, `microsoft`, `github`, `facebook`, `okta`, or `oidc:` followed by 1-32 of
    /// `[a-z0-9_-]`.
    pub fn of(name: &str) -> Option<Self> {
        Some(match name {
            "google" => Self::Google,
            "apple" => Self::Apple,
            "microsoft" => Self::Microsoft,
            "github" => Self::GitHub,
            "facebook" => Self::Facebook,
            "okta" => Self::Okta,
            n if n.strip_prefix("oidc:").is_some_and(custom_suffix_ok) => Self::CustomOidc,
            _ => return None,
        })
    }

    /// How the provider proves an account: GitHub and Facebook (Graph API) are plain OAuth
    /// 2.0; every other kind is OpenID Connect.
    pub fn protocol(self) -> Protocol {
        match self {
            Self::GitHub | Self::Facebook => Protocol::OAuth2,
            Self::Google | Self::Apple | Self::Microsoft | Self::Okta | Self::CustomOidc => {
                Protocol::Oidc
            }
        }
    }
}

fn custom_suffix_ok(n: &str) -> bool {
    (1..=32).contains(&n.len())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}
