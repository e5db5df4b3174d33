//! Facebook (Meta for Developers, "Manually Build a Login Flow", Graph API `/me`, "Securing
//! Graph API Requests", and Limited Login): the Graph API proves the account over plain
//! OAuth 2.0, each call signed with `appsecret_proof`; Limited Login id_tokens are RS256.

use super::profile::{EmailTrust, Endpoints, NonceStyle, ProviderProfile, SubjectRule};
use super::{Identity, Protocol};
use crate::error::{Error, ErrorCode, Result};
use crate::hex;
use crate::id_token::{IssuerRule, StringBooleans};
use crate::jose::Alg;
use crate::oauth::{form_encode, ClientSecret, HttpRequest};
use crate::verified::Verified;
use serde::Deserialize;

/// Facebook's Limited Login issuer.
pub const ISSUER: &str = "https://www.facebook.com";

impl ProviderProfile {
    /// Facebook: Graph `/me` (OAuth 2.0), or Limited Login id_tokens (RS256).
    pub fn facebook() -> Self {
        Self {
            protocol: Protocol::OAuth2,
            issuer: IssuerRule::Exact(vec![ISSUER.to_owned()]),
            algorithms: vec![Alg::Rs256],
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::ConfirmedByProvider,
            string_booleans: StringBooleans::Refuse,
            subject: SubjectRule::Sub,
            endpoints: Endpoints {
                authorization: "https://www.facebook.com/v19.0/dialog/oauth".to_owned(),
                token: "https://graph.facebook.com/v19.0/oauth/access_token".to_owned(),
                userinfo: Some(
                    "https://graph.facebook.com/me?fields=id,name,email,picture".to_owned(),
                ),
                jwks: Some(
                    "https://limited.facebook.com/.well-known/oauth/openid/jwks/".to_owned(),
                ),
            },
            default_scopes: vec!["email", "public_profile"],
        }
    }
}

/// Facebook's `appsecret_proof`: lowercase hex HMAC-SHA256 (RFC 2104, FIPS 180-4) of the
/// access token keyed with the app secret. Graph API calls carrying it cannot be made with a
/// token stolen from another app ("Securing Graph API Requests").
pub fn appsecret_proof(app_secret: &ClientSecret, access_token: &str) -> Result<String> {
    use hmac::{Hmac, Mac};
    // HMAC takes keys of any length (RFC 2104 section 2: longer keys are hashed first), so
    // this cannot fail; should a future `hmac` refuse a key, the call fails loudly.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(app_secret.expose_secret().as_bytes())
        .map_err(|_| Error::new(ErrorCode::InvalidInput, "HMAC refused the app secret"))?;
    mac.update(access_token.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// The Graph API call that proves a Facebook account: `GET {me_url}` with the access token
/// as a bearer credential in the `Authorization` header (RFC 6750 section 2.1, which Graph
/// accepts), never in the URL: URLs end up in logs, error messages and caches (RFC 6750
/// section 5.3). The query keeps only the fields and `appsecret_proof`, an HMAC that is
/// useless without the token (and is still kept out of the request's `Debug`).
pub fn me_request(
    me_url: &str,
    app_secret: &ClientSecret,
    access_token: &str,
) -> Result<HttpRequest> {
    let sep = if me_url.contains('?') { '&' } else { '?' };
    let proof = appsecret_proof(app_secret, access_token)?;
    Ok(HttpRequest {
        method: "GET",
        url: format!("{me_url}{sep}appsecret_proof={}", form_encode(&proof)),
        headers: vec![
            ("authorization", format!("Bearer {access_token}")),
            ("accept", "application/json".to_owned()),
        ],
        body: String::new(),
    })
}

/// The identity in a Graph API `/me?fields=id,name,email,picture` answer to [`me_request`]
/// (the caller vouches that these bytes are that answer). Facebook only returns confirmed
/// addresses, so a present email is trusted.
pub fn identity(me: &[u8]) -> Result<Verified<Identity>> {
    let raw = parse(me)?;
    Ok(Verified::new(Identity::new(
        raw.subject,
        raw.email.as_deref(),
        raw.email_trusted,
        raw.name,
        raw.picture,
    )))
}

/// The identity as the Graph API states it (email not normalized).
pub(crate) fn parse(me: &[u8]) -> Result<Identity> {
    #[derive(Deserialize)]
    struct Picture {
        data: PictureData,
    }
    #[derive(Deserialize)]
    struct PictureData {
        url: Option<String>,
    }
    #[derive(Deserialize)]
    struct Me {
        id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        email: Option<String>,
        #[serde(default)]
        picture: Option<Picture>,
    }
    let me: Me = serde_json::from_slice(me)
        .map_err(|e| Error::new(ErrorCode::MalformedClaims, format!("Graph /me: {e}")))?;
    if me.id.is_empty() || !me.id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(
            ErrorCode::MalformedClaims,
            "Graph /me: id must be numeric",
        ));
    }
    let email = me.email.filter(|e| !e.is_empty());
    Ok(Identity {
        subject: me.id,
        email_trusted: email.is_some(),
        email,
        name: me.name,
        picture: me.picture.and_then(|p| p.data.url),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appsecret_proof_is_hmac_sha256_hex() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") (RFC 4231 style vector).
        assert_eq!(
            appsecret_proof(
                &ClientSecret::new("key".into()),
                "The quick brown fox jumps over the lazy dog"
            )
            .unwrap(),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn facebook_me_gives_numeric_subject_and_trusted_email() {
        let id = identity(br#"{"id":"10158","name":"F","email":"f@example.com","picture":{"data":{"url":"https://p/x.jpg"}}}"#).unwrap();
        assert_eq!(id.subject, "10158");
        assert!(id.email_trusted);
        assert_eq!(id.picture.as_deref(), Some("https://p/x.jpg"));
        let no_email = identity(br#"{"id":"10158"}"#).unwrap();
        assert!(!no_email.email_trusted);
        assert!(identity(br#"{"id":"abc"}"#).is_err());
    }

    #[test]
    fn me_request_sends_the_token_in_a_header_never_in_the_url_nor_debug() {
        let secret = ClientSecret::new("app-secret".into());
        let r = me_request("https://graph.example/me?fields=id", &secret, "EAAB+x").unwrap();
        let proof = appsecret_proof(&secret, "EAAB+x").unwrap();
        assert_eq!(
            r.url,
            format!("https://graph.example/me?fields=id&appsecret_proof={proof}")
        );
        assert!(!r.url.contains("EAAB") && !r.url.contains("app-secret"));
        assert!(r
            .headers
            .iter()
            .any(|(k, v)| *k == "authorization" && v == "Bearer EAAB+x"));
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("EAAB") && !shown.contains(&proof),
            "{shown}"
        );
    }
}
