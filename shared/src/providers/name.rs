//! Provider names and kinds (CONTRACT "Providers"): the one list of providers Kith knows.

use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize, Serializer};

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

/// A provider name Kith knows ("parse, don't validate"): one of the names of
/// [`ProviderKind::of`]. It appears in URLs, in the `amr` claim and as half of every
/// identity key (provider, subject), so nothing else may get that far.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct ProviderName {
    name: String,
    kind: ProviderKind,
}

impl ProviderName {
    /// Parses a provider name; [`ErrorCode::InvalidInput`] for any name Kith does not know.
    pub fn parse(name: &str) -> Result<Self> {
        match ProviderKind::of(name) {
            Some(kind) => Ok(Self {
                name: name.to_owned(),
                kind,
            }),
            None => Err(Error::new(
                ErrorCode::InvalidInput,
                "unknown provider: google, apple, microsoft, github, facebook, okta or \
                 oidc:<1-32 of a-z 0-9 _ ->",
            )),
        }
    }

    /// The name, e.g. `"google"` or `"oidc:corp"`.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The provider's kind.
    pub fn kind(&self) -> ProviderKind {
        self.kind
    }
}

impl TryFrom<String> for ProviderName {
    type Error = Error;
    fn try_from(name: String) -> Result<Self> {
        Self::parse(&name)
    }
}

impl core::fmt::Display for ProviderName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProviderName {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_kinds_and_protocols() {
        for (name, kind, protocol) in [
            ("google", ProviderKind::Google, Protocol::Oidc),
            ("apple", ProviderKind::Apple, Protocol::Oidc),
            ("microsoft", ProviderKind::Microsoft, Protocol::Oidc),
            ("github", ProviderKind::GitHub, Protocol::OAuth2),
            ("facebook", ProviderKind::Facebook, Protocol::OAuth2),
            ("okta", ProviderKind::Okta, Protocol::Oidc),
            ("oidc:corp_1-a", ProviderKind::CustomOidc, Protocol::Oidc),
        ] {
            let parsed = ProviderName::parse(name).unwrap();
            assert_eq!((parsed.as_str(), parsed.kind()), (name, kind));
            assert_eq!(kind.protocol(), protocol, "{name}");
        }
    }

    #[test]
    fn unknown_and_malformed_names_are_refused() {
        let long = format!("oidc:{}", "a".repeat(33));
        for name in [
            "", "Google", "oidc:", "oidc:Dev", "oidc:a/b", "oidc:a b", &long, "okta ",
        ] {
            let err = ProviderName::parse(name).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{name:?}");
        }
        assert!(ProviderName::parse(&format!("oidc:{}", "a".repeat(32))).is_ok());
    }

    #[test]
    fn serde_round_trips_through_the_parser() {
        let n: ProviderName = serde_json::from_str("\"oidc:dev\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"oidc:dev\"");
        assert!(serde_json::from_str::<ProviderName>("\"oidc:Dev\"").is_err());
    }
}
