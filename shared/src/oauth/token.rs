//! The back-channel code exchange (RFC 6749 section 4.1.3 and 5, RFC 7636 section 4.5) as a
//! prepare/process pair: [`CodeExchange::request`] builds a plain [`HttpRequest`] that the
//! caller sends with whatever HTTP client it has, and [`process_token_response`] reads the
//! answer.

use super::form::{form, form_decode, form_encode};
use super::{ClientSecret, PkceVerifier};
use crate::error::{Error, ErrorCode, Result};
use base64ct::Encoding;
use serde::Deserialize;
use std::fmt;

/// How the client authenticates at the token endpoint (RFC 6749 section 2.3.1; the names
/// are OIDC Core 1.0 section 9's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the form-encoded client id and secret (`client_secret_basic`).
    Basic,
    /// Client id and secret in the request body (`client_secret_post`).
    Post,
}

/// A prepared HTTP request: the caller performs it (STYLE.md principle 1).
///
/// `Debug` shows the method and the URL without its query: headers, body and query carry
/// client secrets, authorization codes and access tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The URL to call.
    pub url: String,
    /// Header names (lower-case) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The request body (form-encoded for the token endpoint).
    pub body: String,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field(
                "url",
                &self.url.split(['?', '#']).next().unwrap_or_default(),
            )
            .finish_non_exhaustive()
    }
}

/// A confidential client's code exchange at one token endpoint (RFC 6749 section 4.1.3,
/// client authentication of section 2.3.1, PKCE verifier of RFC 7636 section 4.5).
#[derive(Debug, Clone, Copy)]
pub struct CodeExchange<'a> {
    /// The provider's token endpoint.
    pub token_endpoint: &'a str,
    /// The client id registered at the provider.
    pub client_id: &'a str,
    /// The client secret (redacted in `Debug`).
    pub client_secret: &'a ClientSecret,
    /// Basic or post.
    pub auth: ClientAuth,
}

impl CodeExchange<'_> {
    /// Prepares the `authorization_code` grant with the PKCE verifier.
    pub fn request(&self, code: &str, redirect_uri: &str, verifier: &PkceVerifier) -> HttpRequest {
        authorization_code_request(
            self.token_endpoint,
            self.client_id,
            self.client_secret.expose_secret(),
            self.auth,
            [code, redirect_uri, verifier.secret()],
        )
    }
}

/// The request of an `authorization_code` grant; `[code, redirect_uri, code_verifier]`.
fn authorization_code_request(
    token_endpoint: &str,
    client_id: &str,
    client_secret: &str,
    auth: ClientAuth,
    [code, redirect_uri, code_verifier]: [&str; 3],
) -> HttpRequest {
    let pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", code_verifier),
    ];
    token_request(token_endpoint, [client_id, client_secret], auth, pairs)
}

/// A `POST` to the token endpoint with `pairs` and the client's authentication (RFC 6749
/// section 2.3.1): Basic with the form-encoded id and secret, or both in the body.
pub(crate) fn token_request<'a>(
    token_endpoint: &str,
    [client_id, client_secret]: [&'a str; 2],
    auth: ClientAuth,
    mut pairs: Vec<(&'a str, &'a str)>,
) -> HttpRequest {
    let mut headers = vec![
        (
            "content-type",
            "application/x-www-form-urlencoded".to_owned(),
        ),
        ("accept", "application/json".to_owned()),
    ];
    match auth {
        ClientAuth::Basic => {
            // RFC 6749 section 2.3.1: id and secret are form-encoded before Basic.
            let user_pass = format!("{}:{}", form_encode(client_id), form_encode(client_secret));
            let encoded = base64ct::Base64::encode_string(user_pass.as_bytes());
            headers.push(("authorization", format!("Basic {encoded}")));
        }
        ClientAuth::Post => {
            pairs.push(("client_id", client_id));
            pairs.push(("client_secret", client_secret));
        }
    }
    HttpRequest {
        method: "POST",
        url: token_endpoint.to_owned(),
        headers,
        body: form(&pairs),
    }
}

/// A successful token response (RFC 6749 section 5.1, OIDC Core 1.0 section 3.1.3.3).
///
/// `Debug` shows `token_type` and whether an id_token came: the tokens are bearer
/// credentials (RFC 6750 section 5.3, "don't store bearer tokens in ... logs").
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// The provider's access token.
    pub access_token: String,
    /// `bearer` (checked case-insensitively).
    pub token_type: String,
    /// OIDC: the id_token.
    #[serde(default)]
    pub id_token: Option<String>,
    /// The provider's refresh token, if it issued one.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Access token lifetime in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// Granted scopes, when they differ from the requested ones (RFC 6749 section 3.3).
    #[serde(default)]
    pub scope: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("has_id_token", &self.id_token.is_some())
            .finish_non_exhaustive()
    }
}

/// A form-encoded token answer (GitHub's default) as the JSON object it stands for.
fn form_as_json(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() || text.starts_with('{') || !text.contains('=') {
        return None;
    }
    let mut map = serde_json::Map::new();
    for (k, v) in form_decode(text) {
        let value = match (k.as_str(), v.parse::<u64>()) {
            ("expires_in", Ok(n)) => serde_json::Value::from(n),
            _ => serde_json::Value::from(v),
        };
        map.insert(k, value);
    }
    serde_json::to_vec(&map).ok()
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// The OAuth error code of an error answer (RFC 6749 section 5.2), JSON or form-encoded,
/// whatever the HTTP status; `None` when the body is not an OAuth error.
pub(crate) fn oauth_error_code(body: &[u8]) -> Option<String> {
    let converted = form_as_json(body);
    let body = converted.as_deref().unwrap_or(body);
    serde_json::from_slice::<ErrorResponse>(body)
        .ok()
        .map(|e| e.error)
}

/// Reads the token endpoint's answer (RFC 6749 sections 5.1 and 5.2), JSON or form-encoded
/// (GitHub answers `access_token=...&token_type=bearer` unless asked for JSON). An OAuth error
/// body is an error whatever the HTTP status (GitHub answers `bad_verification_code` with 200).
pub fn process_token_response(status: u16, body: &[u8]) -> Result<TokenResponse> {
    let converted = form_as_json(body);
    let body = converted.as_deref().unwrap_or(body);
    if let Ok(err) = serde_json::from_slice::<ErrorResponse>(body) {
        let description = err.error_description.unwrap_or_default();
        return Err(Error::new(
            ErrorCode::TokenEndpointError,
            format!("token endpoint error \"{}\" {description}", err.error),
        ));
    }
    if status != 200 {
        return Err(Error::new(
            ErrorCode::TokenEndpointError,
            format!("token endpoint answered HTTP {status}"),
        ));
    }
    // serde's message can quote a value of the answer (a misplaced token): say where the
    // answer went wrong, not what it said.
    let tokens: TokenResponse = serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorCode::TokenEndpointError,
            format!(
                "unusable token response ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        )
    })?;
    if !tokens.token_type.eq_ignore_ascii_case("bearer") {
        return Err(Error::new(
            ErrorCode::TokenEndpointError,
            "token_type is not bearer",
        ));
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_form_encodes_id_and_secret() {
        let secret = ClientSecret::new("p:w".into());
        let verifier = PkceVerifier::from_random(&[7; 32]);
        let req = CodeExchange {
            token_endpoint: "https://op/token",
            client_id: "a b",
            client_secret: &secret,
            auth: ClientAuth::Basic,
        }
        .request("c", "https://r", &verifier);
        let auth = req
            .headers
            .iter()
            .find(|(k, _)| *k == "authorization")
            .map(|(_, v)| v.clone());
        // base64("a+b:p%3Aw"): RFC 6749 2.3.1 form-encodes id and secret before Basic.
        assert_eq!(auth.as_deref(), Some("Basic YStiOnAlM0F3"));
        assert!(!req.body.contains("client_secret"));
        assert!(!format!("{req:?}").contains("p:w"));
    }

    #[test]
    fn post_auth_puts_id_and_secret_in_the_body() {
        let secret = ClientSecret::new("s3cr3t".into());
        let verifier = PkceVerifier::from_random(&[7; 32]);
        let req = CodeExchange {
            token_endpoint: "https://op/token",
            client_id: "app",
            client_secret: &secret,
            auth: ClientAuth::Post,
        }
        .request("c", "https://r", &verifier);
        assert!(req.body.contains("client_id=app&client_secret=s3cr3t"));
        assert!(req
            .body
            .contains(&format!("code_verifier={}", verifier.secret())));
        assert!(req.headers.iter().all(|(k, _)| *k != "authorization"));
    }

    #[test]
    fn oauth_errors_are_errors_even_with_status_200() {
        let err = process_token_response(200, br#"{"error":"invalid_grant"}"#).unwrap_err();
        assert_eq!(err.code(), ErrorCode::TokenEndpointError);
        assert!(err.detail().contains("invalid_grant"));
    }

    #[test]
    fn reads_form_encoded_answers_and_their_errors() {
        let ok = process_token_response(
            200,
            b"access_token=gho_abc&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer",
        )
        .unwrap();
        assert_eq!(ok.access_token, "gho_abc");
        assert_eq!(ok.scope.as_deref(), Some("read:user,user:email"));
        let err = process_token_response(
            200,
            b"error=bad_verification_code&error_description=The+code+passed+is+incorrect",
        )
        .unwrap_err();
        assert!(err.detail().contains("bad_verification_code"));
    }

    #[test]
    fn reads_a_token_response() {
        let ok = process_token_response(
            200,
            br#"{"access_token":"a","token_type":"Bearer","id_token":"x.y.z","expires_in":3600}"#,
        )
        .unwrap();
        assert_eq!(ok.id_token.as_deref(), Some("x.y.z"));
        assert!(process_token_response(500, b"oops").is_err());
        assert!(
            process_token_response(200, br#"{"access_token":"a","token_type":"mac"}"#).is_err()
        );
    }
}
