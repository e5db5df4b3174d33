//! The claims Kith reads from an id_token (OIDC Core 1.0 section 2 and 5.1, RFC 7519
//! section 4.1), with the provider quirks the parsers accept.

use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::fmt;

/// The claims Kith reads from an id_token (OIDC Core 1.0 section 2, standard claims of
/// section 5.1, and the provider claims named below). Reached through
/// [`Verified`](crate::Verified) once [`validate`](super::validate) accepted the token.
///
/// `Debug` redacts `nonce`: it binds the token to the client's session and is spent once.
#[derive(Clone, PartialEq, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer identifier.
    pub iss: String,
    /// Subject: the provider's stable id for the user.
    pub sub: String,
    /// Audience(s).
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Expiry, Unix seconds.
    #[serde(deserialize_with = "numeric_date")]
    pub exp: i64,
    /// Issued at, Unix seconds.
    #[serde(deserialize_with = "numeric_date")]
    pub iat: i64,
    /// Not before, Unix seconds.
    #[serde(default, deserialize_with = "opt_numeric_date")]
    pub nbf: Option<i64>,
    /// Authorized party.
    #[serde(default)]
    pub azp: Option<String>,
    /// Nonce.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Email address as the provider states it (trust is decided by the provider profile).
    #[serde(default)]
    pub email: Option<String>,
    /// `email_verified` as written: a JSON boolean, or Apple's string form. Only a profile
    /// that says so reads the string form as a boolean ([`BoolClaim::is_true`]).
    #[serde(default, deserialize_with = "bool_claim")]
    pub email_verified: Option<BoolClaim>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Picture URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Microsoft: the tenant id.
    #[serde(default)]
    pub tid: Option<String>,
    /// Microsoft: the account's object id in its tenant (stable across app registrations).
    #[serde(default)]
    pub oid: Option<String>,
    /// Microsoft: "email domain owner verified" (optional claim).
    #[serde(default, deserialize_with = "bool_claim")]
    pub xms_edov: Option<BoolClaim>,
    /// Google: the Workspace hosted domain.
    #[serde(default)]
    pub hd: Option<String>,
    /// Apple: the email is a private relay address.
    #[serde(default, deserialize_with = "bool_claim")]
    pub is_private_email: Option<BoolClaim>,
}

/// A boolean claim as the token wrote it. OIDC Core 1.0 section 5.1 makes `email_verified` a
/// JSON boolean; Apple writes the strings `"true"`/`"false"` instead. Which form counts is
/// the provider profile's decision ([`StringBooleans`]), so a string from any other
/// provider is not a boolean at all and vouches for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoolClaim {
    /// A JSON `true` or `false`.
    Bool(bool),
    /// The JSON string `"true"` or `"false"`.
    Text(bool),
}

/// Whether a provider's boolean claims may be strings (Apple) or must be JSON booleans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringBooleans {
    /// `"true"` means true (Sign in with Apple's documented form).
    Accept,
    /// Only a JSON `true` is true; `"true"` is "not vouched for".
    Refuse,
}

impl BoolClaim {
    /// Whether the claim says true under `strings`.
    pub fn is_true(self, strings: StringBooleans) -> bool {
        match (self, strings) {
            (Self::Bool(b), _) => b,
            (Self::Text(b), StringBooleans::Accept) => b,
            (Self::Text(_), StringBooleans::Refuse) => false,
        }
    }
}

impl fmt::Debug for IdTokenClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenClaims")
            .field("iss", &self.iss)
            .field("sub", &self.sub)
            .field("aud", &self.aud)
            .field("exp", &self.exp)
            .field("iat", &self.iat)
            .field("nbf", &self.nbf)
            .field("azp", &self.azp)
            .field("nonce", &self.nonce.as_ref().map(|_| "[redacted]"))
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .field("name", &self.name)
            .field("picture", &self.picture)
            .field("tid", &self.tid)
            .field("oid", &self.oid)
            .field("xms_edov", &self.xms_edov)
            .field("hd", &self.hd)
            .field("is_private_email", &self.is_private_email)
            .finish()
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> core::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    match Aud::deserialize(d)? {
        Aud::One(a) => Ok(vec![a]),
        Aud::Many(v) if !v.is_empty() => Ok(v),
        Aud::Many(_) => Err(de::Error::custom("aud must not be empty")),
    }
}

fn numeric_date<'de, D: Deserializer<'de>>(d: D) -> core::result::Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        // NumericDate may carry a fraction (RFC 7519 section 2); whole seconds suffice.
        Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(f.floor() as i64),
        _ => Err(de::Error::custom("not a NumericDate")),
    }
}

fn opt_numeric_date<'de, D: Deserializer<'de>>(
    d: D,
) -> core::result::Result<Option<i64>, D::Error> {
    numeric_date(d).map(Some)
}

fn bool_claim<'de, D: Deserializer<'de>>(
    d: D,
) -> core::result::Result<Option<BoolClaim>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Ok(Some(BoolClaim::Bool(b))),
        serde_json::Value::String(s) if s == "true" => Ok(Some(BoolClaim::Text(true))),
        serde_json::Value::String(s) if s == "false" => Ok(Some(BoolClaim::Text(false))),
        serde_json::Value::Null => Ok(None),
        _ => Err(de::Error::custom(
            "expected a boolean or \"true\"/\"false\"",
        )),
    }
}
