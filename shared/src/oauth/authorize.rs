//! The front-channel authorization request (RFC 6749 section 4.1.1, with PKCE per RFC 7636
//! section 4.3 and OIDC Core 1.0 section 3.1.2.1's `nonce`).

use super::form::form;
use alloc::string::String;
use core::fmt;

/// The parameters of an authorization request with PKCE (S256), state and nonce (RFC 6749
/// section 4.1.1, RFC 7636 section 4.3, OIDC Core 1.0 section 3.1.2.1).
///
/// `state` (RFC 6749 section 10.12, login CSRF) and `nonce` (OIDC Core section 15.5.2,
/// token injection) tie the answer to this browser: `Debug` redacts both.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationRequest<'a> {
    /// The provider's authorization endpoint (may already carry a query).
    pub authorization_endpoint: &'a str,
    /// The client id registered at the provider.
    pub client_id: &'a str,
    /// Where the provider sends the browser back; registered exactly (RFC 9700 section 4.1).
    pub redirect_uri: &'a str,
    /// Space-separated scopes (RFC 6749 section 3.3).
    pub scope: &'a str,
    /// The unguessable `state` value.
    pub state: &'a str,
    /// The unguessable `nonce` value.
    pub nonce: &'a str,
    /// The PKCE S256 code challenge of the verifier kept by the client.
    pub code_challenge: &'a str,
}

impl fmt::Debug for AuthorizationRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("authorization_endpoint", &self.authorization_endpoint)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Builds the URL the browser is sent to (RFC 6749 section 4.1.1).
pub fn authorization_url(req: &AuthorizationRequest<'_>) -> String {
    let query = form(&[
        ("response_type", "code"),
        ("client_id", req.client_id),
        ("redirect_uri", req.redirect_uri),
        ("scope", req.scope),
        ("state", req.state),
        ("nonce", req.nonce),
        ("code_challenge", req.code_challenge),
        ("code_challenge_method", "S256"),
    ]);
    let sep = if req.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let mut url = String::with_capacity(req.authorization_endpoint.len() + 1 + query.len());
    url.push_str(req.authorization_endpoint);
    url.push(sep);
    url.push_str(&query);
    url
}

/// Appends `params` to an authorization URL that already has a query (as
/// [`authorization_url`] makes it): the provider's extra parameters, kept as data in
/// `providers::tokens` (Google's `access_type`, `include_granted_scopes`, `prompt`).
pub fn append_params(url: &mut String, params: &[(&str, &str)]) {
    if !params.is_empty() {
        url.push('&');
        url.push_str(&form(params));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_url_carries_pkce_state_and_nonce() {
        let url = authorization_url(&AuthorizationRequest {
            authorization_endpoint: "https://op.example/auth?tenant=a",
            client_id: "app",
            redirect_uri: "https://app.example/cb?x=1",
            scope: "openid email",
            state: "st",
            nonce: "nn",
            code_challenge: "ch",
        });
        assert_eq!(
            url,
            "https://op.example/auth?tenant=a&response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&scope=openid+email&state=st&nonce=nn&code_challenge=ch&code_challenge_method=S256"
        );
    }
}
