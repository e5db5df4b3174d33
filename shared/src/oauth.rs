//! OAuth 2.0 exchanges as prepare/process pairs (no transport).
//!
//! [`authorization_url`] builds the front-channel request (RFC 6749 section 4.1.1 with PKCE,
//! RFC 7636 section 4.3, and OIDC's `nonce`). [`TokenRequest::authorization_code`] prepares
//! the back-channel code exchange (RFC 6749 section 4.1.3) as a plain request value that the
//! caller sends with whatever HTTP client it has, and [`process_token_response`] reads the
//! answer (section 5.1 / 5.2).

use crate::error::{Error, ErrorCode, Result};
use base64ct::Encoding;
use serde::Deserialize;
use std::fmt;

/// `application/x-www-form-urlencoded` encoding of one component (WHATWG URL standard).
/// (Written without `format!`: the browser SDK links this and stays free of `core::fmt`.)
pub fn form_encode(value: &str) -> String {
    // A nibble is 0-15: the digit is computed, not looked up.
    let hex = |n: u8| char::from(if n < 10 { b'0' + n } else { b'A' + n - 10 });
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(hex(b >> 4));
                out.push(hex(b & 0x0f));
            }
        }
    }
    out
}

fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&form_encode(k));
        out.push('=');
        out.push_str(&form_encode(v));
    }
    out
}

/// The parameters of an authorization request with PKCE (S256), state and nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest<'a> {
    pub authorization_endpoint: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub code_challenge: &'a str,
}

/// Builds the URL the browser is sent to.
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

/// How the client authenticates at the token endpoint (RFC 6749 section 2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the form-encoded client id and secret (`client_secret_basic`).
    Basic,
    /// Client id and secret in the request body (`client_secret_post`).
    Post,
}

/// A prepared HTTP request: the caller performs it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl fmt::Debug for HttpRequest {
    // Headers and body carry the client secret and the code: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The code-exchange request (RFC 6749 section 4.1.3, RFC 7636 section 4.5).
#[derive(Debug, Clone, Copy)]
pub struct TokenRequest<'a> {
    pub token_endpoint: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub auth: ClientAuth,
}

impl TokenRequest<'_> {
    /// Prepares the `authorization_code` grant with the PKCE verifier.
    pub fn authorization_code(
        &self,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> HttpRequest {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", code_verifier),
        ];
        let mut headers = vec![
            (
                "content-type",
                "application/x-www-form-urlencoded".to_owned(),
            ),
            ("accept", "application/json".to_owned()),
        ];
        match self.auth {
            ClientAuth::Basic => {
                let user_pass = format!(
                    "{}:{}",
                    form_encode(self.client_id),
                    form_encode(self.client_secret)
                );
                let encoded = base64ct::Base64::encode_string(user_pass.as_bytes());
                headers.push(("authorization", format!("Basic {encoded}")));
            }
            ClientAuth::Post => {
                pairs.push(("client_id", self.client_id));
                pairs.push(("client_secret", self.client_secret));
            }
        }
        HttpRequest {
            method: "POST",
            url: self.token_endpoint.to_owned(),
            headers,
            body: form(&pairs),
        }
    }
}

/// A successful token response (RFC 6749 section 5.1, OIDC Core section 3.1.3.3).
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    #[serde(default)]
    pub id_token: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
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

/// Decodes `%XX` escapes (RFC 3986 section 2.1); anything else is kept as it is.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes `application/x-www-form-urlencoded` (`+` is a space, `%XX` a byte).
pub fn form_decode(body: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| percent_decode(&s.replace('+', " "));
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (unescape(k), unescape(v)),
            None => (unescape(pair), String::new()),
        })
        .collect()
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

/// Reads the token endpoint's answer, JSON or form-encoded (GitHub answers
/// `access_token=...&token_type=bearer` unless asked for JSON). An OAuth error body is an
/// error whatever the HTTP status (GitHub answers `bad_verification_code` with 200).
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
    let tokens: TokenResponse = serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorCode::TokenEndpointError,
            format!("unusable token response: {e}"),
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

    #[test]
    fn basic_auth_form_encodes_id_and_secret() {
        let req = TokenRequest {
            token_endpoint: "https://op/token",
            client_id: "a b",
            client_secret: "p:w",
            auth: ClientAuth::Basic,
        }
        .authorization_code("c", "https://r", "v");
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
