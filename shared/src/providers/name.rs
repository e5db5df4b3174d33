//! Provider names (CONTRACT "Providers"): a name Kith knows, parsed once.

use super::ProviderKind;
use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize, Serializer};

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
    use crate::providers::Protocol;

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
