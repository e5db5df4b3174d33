//! The providers' own API tokens, as data: how each kind renews an access token, which
//! authorization parameters ask for a refresh token and for scopes added after sign-up, and
//! how the granted scopes are read (RFC 6749 section 3.3; Google "Using OAuth 2.0 to Access
//! Google APIs: incremental authorization"; Clerk "additional OAuth scopes").

use super::ProviderKind;
use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

/// How a provider renews an access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewalStyle {
    /// The `refresh_token` grant at the token endpoint (RFC 6749 section 6): Google,
    /// Microsoft, Okta, custom OIDC, and GitHub's expiring user tokens.
    RefreshGrant,
    /// Facebook: the current long-lived token exchanged for a new one
    /// (`grant_type=fb_exchange_token`).
    FacebookExchange,
    /// Apple issues no token for an API of its own: there is nothing to keep or renew.
    NoApiToken,
}

impl ProviderKind {
    /// How this kind renews the access token it issued.
    pub fn renewal(self) -> RenewalStyle {
        match self {
            Self::Apple => RenewalStyle::NoApiToken,
            Self::Facebook => RenewalStyle::FacebookExchange,
            Self::Google | Self::Microsoft | Self::GitHub | Self::Okta | Self::CustomOidc => {
                RenewalStyle::RefreshGrant
            }
        }
    }

    /// Extra authorization-request parameters. Google: `access_type=offline` (else no
    /// refresh token) and `include_granted_scopes=true` (the new token keeps the scopes
    /// granted before); when scopes beyond the configured ones are asked for,
    /// `prompt=consent` too, so Google shows the new scopes and issues a refresh token that
    /// carries them. Other kinds need none (Microsoft and Okta issue refresh tokens for the
    /// `offline_access` scope, which the admin configures).
    pub fn authorization_params(
        self,
        adds_scopes: bool,
    ) -> &'static [(&'static str, &'static str)] {
        const GOOGLE: &[(&str, &str)] = &[
            ("access_type", "offline"),
            ("include_granted_scopes", "true"),
        ];
        const GOOGLE_MORE: &[(&str, &str)] = &[
            ("access_type", "offline"),
            ("include_granted_scopes", "true"),
            ("prompt", "consent"),
        ];
        match (self, adds_scopes) {
            (Self::Google, false) => GOOGLE,
            (Self::Google, true) => GOOGLE_MORE,
            _ => &[],
        }
    }
}

/// The scopes to ask for: the configured ones (the floor, always asked) and then each
/// requested one not already there, in order, without duplicates or empty names.
pub fn merge_scopes(configured: &[String], requested: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(configured.len() + requested.len());
    for s in configured.iter().chain(requested) {
        // Scopes are ASCII (RFC 6749 section 3.3): `trim_ascii`, not `trim` and its Unicode
        // tables and char searcher (the browser SDK bundles this).
        let s = s.trim_ascii();
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// The scopes a token answer says were granted (`scope`, space-separated per RFC 6749
/// section 3.3; GitHub separates with commas), or, when it says nothing, the scopes that
/// were requested (section 5.1: omitted means "identical to the requested scope").
pub fn granted_scopes(scope: Option<&str>, requested: &[String]) -> Vec<String> {
    match scope {
        Some(text) => {
            let named: Vec<String> = text
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            merge_scopes(&[], &named)
        }
        None => merge_scopes(&[], requested),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn configured_scopes_are_the_floor_and_requested_ones_are_added_once() {
        let got = merge_scopes(
            &list(&["openid", "email"]),
            &list(&[
                "email",
                "https://www.googleapis.com/auth/drive.readonly",
                " ",
                "openid",
            ]),
        );
        assert_eq!(
            got,
            list(&[
                "openid",
                "email",
                "https://www.googleapis.com/auth/drive.readonly"
            ])
        );
    }

    #[test]
    fn granted_scopes_come_from_the_answer_else_the_request() {
        assert_eq!(
            granted_scopes(Some("read:user,user:email"), &[]),
            list(&["read:user", "user:email"])
        );
        assert_eq!(
            granted_scopes(Some("openid  email"), &list(&["x"])),
            list(&["openid", "email"])
        );
        assert_eq!(
            granted_scopes(None, &list(&["a", "a", "b"])),
            list(&["a", "b"])
        );
    }

    #[test]
    fn google_asks_for_offline_access_and_incremental_scopes() {
        assert_eq!(
            ProviderKind::Google.authorization_params(true),
            &[
                ("access_type", "offline"),
                ("include_granted_scopes", "true"),
                ("prompt", "consent")
            ]
        );
        assert!(ProviderKind::GitHub.authorization_params(true).is_empty());
        assert_eq!(ProviderKind::Apple.renewal(), RenewalStyle::NoApiToken);
        assert_eq!(
            ProviderKind::Facebook.renewal(),
            RenewalStyle::FacebookExchange
        );
    }
}
