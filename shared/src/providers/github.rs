//! GitHub (GitHub Docs, "Authorizing OAuth apps" and the REST API's `/user` and
//! `/user/emails`): plain OAuth 2.0, no id_token. The account is the numeric `id` (logins can
//! be renamed and re-registered); only a `primary && verified` address is trusted.

use super::profile::{EmailTrust, Endpoints, NonceStyle, ProviderProfile, SubjectRule};
use super::{Identity, Protocol};
use crate::error::{Error, ErrorCode, Result};
use crate::id_token::{IssuerRule, StringBooleans};
use crate::oauth::HttpRequest;
use crate::verified::Verified;
use serde::Deserialize;

impl ProviderProfile {
    /// GitHub: OAuth 2.0, identity from `/user` and `/user/emails`.
    pub fn github() -> Self {
        Self {
            protocol: Protocol::OAuth2,
            issuer: IssuerRule::Exact(vec![]),
            algorithms: vec![],
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::GithubPrimaryVerified,
            string_booleans: StringBooleans::Refuse,
            subject: SubjectRule::Sub,
            endpoints: Endpoints {
                authorization: "https://github.com/login/oauth/authorize".to_owned(),
                token: "https://github.com/login/oauth/access_token".to_owned(),
                userinfo: Some("https://api.github.com/user".to_owned()),
                jwks: None,
            },
            default_scopes: vec!["read:user", "user:email"],
        }
    }
}

/// The two API calls that prove a GitHub account: `GET {user_url}` and
/// `GET {user_url}/emails`, with the access token of the code exchange and the `User-Agent`
/// GitHub's REST API requires (403 without one).
pub fn api_requests(user_url: &str, access_token: &str) -> [HttpRequest; 2] {
    let emails_url = format!("{}/emails", user_url.trim_end_matches('/'));
    let get = |url: String| HttpRequest {
        method: "GET",
        url,
        headers: vec![
            ("authorization", format!("Bearer {access_token}")),
            ("accept", "application/vnd.github+json".to_owned()),
            ("user-agent", "kith".to_owned()),
        ],
        body: String::new(),
    };
    [get(user_url.to_owned()), get(emails_url)]
}

/// The GitHub identity from the `GET /user` and `GET /user/emails` bodies, as answered to
/// the [`api_requests`] made with the access token of a code exchange: the core cannot see
/// the transport, so the caller vouches that these are those answers.
pub fn identity(user: &[u8], emails: &[u8]) -> Result<Verified<Identity>> {
    let raw = parse(user, emails)?;
    Ok(Verified::new(Identity::new(
        raw.subject,
        raw.email.as_deref(),
        raw.email_trusted,
        raw.name,
        raw.picture,
    )))
}

/// The identity as GitHub states it (email not normalized).
pub(crate) fn parse(user: &[u8], emails: &[u8]) -> Result<Identity> {
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
    // A verified but non-primary address is not used at all.
    let primary = list.into_iter().find(|e| e.primary && e.verified);
    Ok(Identity {
        subject: u.id.to_string(),
        email_trusted: primary.is_some(),
        email: primary.map(|e| e.email),
        name: u.name.or(Some(u.login)),
        picture: u.avatar_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_requests_carry_the_token_and_a_user_agent() {
        let [user, emails] = api_requests("https://api.github.com/user/", "gho_x");
        assert_eq!(user.url, "https://api.github.com/user/");
        assert_eq!(emails.url, "https://api.github.com/user/emails");
        for r in [&user, &emails] {
            assert_eq!(r.method, "GET");
            assert!(r.headers.contains(&("user-agent", "kith".to_owned())));
            assert!(r
                .headers
                .contains(&("authorization", "Bearer gho_x".to_owned())));
            assert!(!format!("{r:?}").contains("gho_x"));
        }
    }

    #[test]
    fn identity_normalizes_the_email() {
        let id = identity(
            br#"{"id":7,"login":"u"}"#,
            br#"[{"email":" Octo@Example.COM ","primary":true,"verified":true}]"#,
        )
        .unwrap();
        assert_eq!(id.email.as_deref(), Some("octo@example.com"));
        assert!(id.email_trusted);
    }
}
