//! Renewing a provider's access token as a prepare/process pair: the `refresh_token` grant
//! (RFC 6749 section 6; Google, Microsoft, Okta, custom OIDC, GitHub's expiring user tokens)
//! and Facebook's long-lived token exchange (`grant_type=fb_exchange_token`, "Long-Lived
//! Access Tokens" in the Facebook Login docs). [`TokenRenewal`] prepares the request, the
//! caller sends it, [`process_renewal_response`] reads the answer into a [`Renewal`] that
//! says in one match what happened: renewed, the grant revoked, or the provider failing.

use super::token::{oauth_error_code, process_token_response, token_request};
use super::{ClientAuth, ClientSecret, HttpRequest, TokenResponse};
use serde::Deserialize;
use std::fmt;

/// A confidential client's renewal at one token endpoint. `Debug` shows no secret.
#[derive(Debug, Clone, Copy)]
pub struct TokenRenewal<'a> {
    /// The provider's token endpoint (Facebook: `/oauth/access_token`).
    pub token_endpoint: &'a str,
    /// The client id registered at the provider.
    pub client_id: &'a str,
    /// The client secret (redacted in `Debug`).
    pub client_secret: &'a ClientSecret,
    /// Basic or post (Facebook: always in the body).
    pub auth: ClientAuth,
}

impl TokenRenewal<'_> {
    /// The `refresh_token` grant (RFC 6749 section 6), client authenticated as for the code
    /// exchange. No `scope`: the renewed token carries the scopes already granted.
    pub fn refresh_grant(&self, refresh_token: &str) -> HttpRequest {
        token_request(
            self.token_endpoint,
            [self.client_id, self.client_secret.expose_secret()],
            self.auth,
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
    }

    /// Facebook's exchange of a (still valid) user token for a new long-lived one. Sent as a
    /// form `POST`, so neither the app secret nor the token appears in a URL.
    pub fn facebook_exchange(&self, access_token: &str) -> HttpRequest {
        token_request(
            self.token_endpoint,
            [self.client_id, self.client_secret.expose_secret()],
            ClientAuth::Post,
            vec![
                ("grant_type", "fb_exchange_token"),
                ("fb_exchange_token", access_token),
            ],
        )
    }
}

/// What a renewal came to.
pub enum Renewal {
    /// A new access token (and maybe a rotated refresh token).
    Renewed(TokenResponse),
    /// The grant is gone (revoked, expired, password changed): only a new sign-in at the
    /// provider helps. `invalid_grant` (RFC 6749 section 5.2), GitHub's `bad_refresh_token`,
    /// Facebook's `OAuthException` code 190.
    Revoked(String),
    /// The provider failed or refused for another reason (5xx, `invalid_client`, a body that
    /// is not a token answer): the stored token is kept.
    Failed(String),
}

impl fmt::Debug for Renewal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Renewed(t) => f.debug_tuple("Renewed").field(t).finish(),
            Self::Revoked(why) => f.debug_tuple("Revoked").field(why).finish(),
            Self::Failed(why) => f.debug_tuple("Failed").field(why).finish(),
        }
    }
}

/// Graph API errors: `{"error": {"message", "type", "code"}}`.
#[derive(Deserialize)]
struct GraphError {
    error: GraphErrorBody,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    code: i64,
}

/// Graph's "invalid OAuth 2.0 access token" (expired, revoked, password changed).
const GRAPH_INVALID_TOKEN: i64 = 190;

/// OAuth error codes that mean the grant itself is gone.
const REVOKED: [&str; 2] = ["invalid_grant", "bad_refresh_token"];

/// Reads the token endpoint's answer to a renewal. An OAuth error body counts whatever the
/// HTTP status (GitHub answers errors with 200); a 5xx without one is the provider failing.
pub fn process_renewal_response(status: u16, body: &[u8]) -> Renewal {
    if let Ok(graph) = serde_json::from_slice::<GraphError>(body) {
        return match graph.error.code {
            GRAPH_INVALID_TOKEN => Renewal::Revoked("Graph OAuthException 190".into()),
            code => Renewal::Failed(format!("Graph error code {code}")),
        };
    }
    match oauth_error_code(body) {
        Some(code) if REVOKED.contains(&code.as_str()) => {
            return Renewal::Revoked(format!("token endpoint error \"{code}\""))
        }
        Some(code) => return Renewal::Failed(format!("token endpoint error \"{code}\"")),
        None => {}
    }
    if status >= 500 {
        return Renewal::Failed(format!("token endpoint answered HTTP {status}"));
    }
    match process_token_response(status, body) {
        Ok(tokens) => Renewal::Renewed(tokens),
        Err(e) => Renewal::Failed(e.detail().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renewal(secret: &ClientSecret) -> TokenRenewal<'_> {
        TokenRenewal {
            token_endpoint: "https://op/token",
            client_id: "app",
            client_secret: secret,
            auth: ClientAuth::Post,
        }
    }

    #[test]
    fn refresh_grant_sends_the_refresh_token_with_the_client_credentials() {
        let secret = ClientSecret::new("s3cr3t".into());
        let req = renewal(&secret).refresh_grant("rt-1");
        assert_eq!(req.method, "POST");
        assert_eq!(
            req.body,
            "grant_type=refresh_token&refresh_token=rt-1&client_id=app&client_secret=s3cr3t"
        );
        assert!(!format!("{req:?}").contains("rt-1"));
    }

    #[test]
    fn facebook_exchange_posts_the_token_in_the_body_not_the_url() {
        let secret = ClientSecret::new("app-secret".into());
        let req = TokenRenewal {
            auth: ClientAuth::Basic,
            ..renewal(&secret)
        }
        .facebook_exchange("EAAB");
        assert_eq!(req.url, "https://op/token");
        assert!(req
            .body
            .starts_with("grant_type=fb_exchange_token&fb_exchange_token=EAAB"));
        assert!(req.body.contains("client_secret=app-secret"));
    }

    #[test]
    fn invalid_grant_bad_refresh_token_and_graph_190_mean_revoked() {
        for body in [
            &br#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#[..],
            b"error=bad_refresh_token&error_description=The+refresh+token+passed+is+incorrect",
            br#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190}}"#,
        ] {
            assert!(matches!(process_renewal_response(400, body), Renewal::Revoked(_)));
        }
        // GitHub answers with 200.
        let github = br#"{"error":"bad_refresh_token"}"#;
        assert!(matches!(
            process_renewal_response(200, github),
            Renewal::Revoked(_)
        ));
    }

    #[test]
    fn other_refusals_and_5xx_are_failures_that_keep_the_token() {
        let client = br#"{"error":"invalid_client"}"#;
        assert!(matches!(
            process_renewal_response(401, client),
            Renewal::Failed(_)
        ));
        assert!(matches!(
            process_renewal_response(503, b"down"),
            Renewal::Failed(_)
        ));
        let graph = br#"{"error":{"message":"x","type":"GraphMethodException","code":100}}"#;
        assert!(matches!(
            process_renewal_response(400, graph),
            Renewal::Failed(_)
        ));
    }

    #[test]
    fn a_token_answer_is_renewed() {
        let body = br#"{"access_token":"new","token_type":"Bearer","expires_in":3599,"scope":"openid email"}"#;
        let Renewal::Renewed(t) = process_renewal_response(200, body) else {
            panic!("expected renewed");
        };
        assert_eq!(t.access_token, "new");
        assert_eq!(t.refresh_token, None);
    }
}
