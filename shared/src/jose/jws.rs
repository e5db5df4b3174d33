//! Strict parsing of compact JWS (RFC 7515 section 7.1), before any signature check.
//!
//! Nothing here is trusted yet: [`UnverifiedJws`] only gives access to what is needed to pick
//! a key and check a signature. Refusals follow RFC 8725 (JWT BCP):
//! - size capped at [`MAX_TOKEN_LEN`] (denial of service),
//! - exactly three segments, canonical base64url (no padding, no stray bits),
//! - header and payload are JSON objects with no duplicate members,
//! - `crit`, `b64` (RFC 7797), and embedded or remote keys (`jwk`, `jku`, `x5u`, `x5c`) are
//!   refused: keys come only from the provider's configured JWKS.

use crate::error::{Error, ErrorCode, Result};
use crate::{b64, json};
use serde::Deserialize;
use std::fmt;

/// Largest compact JWS accepted, in bytes. Real id_tokens are 1-3 KB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Signature algorithms Kith can verify (RFC 7518 section 3, RFC 8037).
///
/// There is deliberately no `none` and no HMAC variant: a provider's token is only ever
/// believed on an asymmetric signature from the provider's published keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA P-256 with SHA-256, signature as raw `r || s` (64 bytes).
    Es256,
    /// Ed25519 (RFC 8037).
    EdDsa,
}

impl Alg {
    /// The JOSE name (RFC 7518 section 3.1).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Parses a JOSE `alg` name; exact, case-sensitive (RFC 7515 section 4.1.1).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "ES256" => Some(Self::Es256),
            "EdDSA" => Some(Self::EdDsa),
            _ => None,
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parts of a JOSE header Kith reads (RFC 7515 section 4.1), all untrusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header's `alg`, as written: only a hint, checked against the allowed list.
    pub alg: String,
    /// The header's `kid`, if any: used to select among the provider's keys.
    pub kid: Option<String>,
    /// The header's `typ`, if any.
    pub typ: Option<String>,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<serde_json::Value>,
    kid: Option<serde_json::Value>,
    typ: Option<serde_json::Value>,
    crit: Option<serde_json::Value>,
    b64: Option<serde_json::Value>,
    jwk: Option<serde_json::Value>,
    jku: Option<serde_json::Value>,
    x5u: Option<serde_json::Value>,
    x5c: Option<serde_json::Value>,
}

/// A compact JWS (RFC 7515 section 7.1) whose signature has not been checked. Its `Debug`
/// shows the header only: the token is a bearer credential and never goes to a log.
#[derive(Clone, PartialEq, Eq)]
pub struct UnverifiedJws {
    header: Header,
    signing_input: String,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl fmt::Debug for UnverifiedJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnverifiedJws")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

fn malformed(detail: &str) -> Error {
    Error::new(ErrorCode::MalformedJws, detail)
}

impl UnverifiedJws {
    /// Parses a compact JWS strictly. See the module documentation for what is refused.
    pub fn parse(token: &str) -> Result<Self> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(malformed("token exceeds the size limit"));
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("a compact JWS has exactly three segments"));
        };
        let header_bytes =
            b64::decode(h).ok_or_else(|| malformed("header is not canonical base64url"))?;
        let payload =
            b64::decode(p).ok_or_else(|| malformed("payload is not canonical base64url"))?;
        let signature =
            b64::decode(s).ok_or_else(|| malformed("signature is not canonical base64url"))?;
        if signature.is_empty() {
            return Err(malformed("signature is empty"));
        }
        let raw: RawHeader = json::parse_strict(&header_bytes)
            .map_err(|e| malformed(&format!("header is not a valid JSON object: {e}")))?;
        for (name, present) in [
            ("crit", raw.crit.is_some()),
            ("b64", raw.b64.is_some()),
            ("jwk", raw.jwk.is_some()),
            ("jku", raw.jku.is_some()),
            ("x5u", raw.x5u.is_some()),
            ("x5c", raw.x5c.is_some()),
        ] {
            if present {
                return Err(Error::new(
                    ErrorCode::ForbiddenHeader,
                    format!("header parameter \"{name}\" is not accepted"),
                ));
            }
        }
        let alg = match raw.alg {
            Some(serde_json::Value::String(alg)) => alg,
            _ => return Err(malformed("header \"alg\" must be a string")),
        };
        let kid = optional_string(raw.kid, "kid")?;
        let typ = optional_string(raw.typ, "typ")?;
        let signing_input_len = h.len() + 1 + p.len();
        let signing_input = token
            .get(..signing_input_len)
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            header: Header { alg, kid, typ },
            signing_input,
            payload,
            signature,
        })
    }

    /// The parsed header (untrusted).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes that were signed.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    /// The decoded signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The decoded payload (unverified!).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Checks the header `alg` against the caller's allowed algorithms (never trusting it
    /// alone, RFC 8725 section 3.1) and returns the matching [`Alg`].
    pub fn alg_in(&self, allowed: &[Alg]) -> Result<Alg> {
        match Alg::from_name(&self.header.alg) {
            Some(alg) if allowed.contains(&alg) => Ok(alg),
            _ => Err(Error::new(
                ErrorCode::AlgNotAllowed,
                format!("alg \"{}\" is not allowed here", self.header.alg),
            )),
        }
    }
}

fn optional_string(value: Option<serde_json::Value>, name: &str) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(malformed(&format!("header \"{name}\" must be a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.{}",
            b64::encode(header),
            b64::encode(payload),
            b64::encode([1u8; 64])
        )
    }

    #[test]
    fn parses_a_well_formed_token() {
        let t = token(
            r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#,
            r#"{"sub":"a"}"#,
        );
        let jws = UnverifiedJws::parse(&t).expect("parses");
        assert_eq!(jws.header().kid.as_deref(), Some("k1"));
        assert_eq!(jws.alg_in(&[Alg::Es256]), Ok(Alg::Es256));
        assert!(t.starts_with(std::str::from_utf8(jws.signing_input()).expect("utf8")));
    }

    #[test]
    fn rejects_alg_none_in_every_spelling_and_hmac() {
        for alg in ["none", "None", "NONE", "nOnE", "HS256", "rs256"] {
            let t = token(&format!(r#"{{"alg":"{alg}"}}"#), "{}");
            let jws = UnverifiedJws::parse(&t).expect("parses");
            let err = jws
                .alg_in(&[Alg::Rs256, Alg::Es256, Alg::EdDsa])
                .expect_err("refused");
            assert_eq!(err.code(), ErrorCode::AlgNotAllowed, "{alg}");
        }
    }

    #[test]
    fn rejects_forbidden_header_parameters() {
        for p in ["crit", "b64", "jwk", "jku", "x5u", "x5c"] {
            let t = token(&format!(r#"{{"alg":"RS256","{p}":[]}}"#), "{}");
            let err = UnverifiedJws::parse(&t).expect_err("refused");
            assert_eq!(err.code(), ErrorCode::ForbiddenHeader, "{p}");
        }
    }

    #[test]
    fn rejects_wrong_segment_counts_and_oversize_tokens() {
        let t = token(r#"{"alg":"RS256"}"#, "{}");
        assert_eq!(
            UnverifiedJws::parse(&format!("{t}.x"))
                .map(|_| ())
                .unwrap_err()
                .code(),
            ErrorCode::MalformedJws
        );
        let two: String = t
            .rsplit_once('.')
            .map(|x| x.0)
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            UnverifiedJws::parse(&two).map(|_| ()).unwrap_err().code(),
            ErrorCode::MalformedJws
        );
        let big = token(
            r#"{"alg":"RS256"}"#,
            &format!(r#"{{"x":"{}"}}"#, "a".repeat(MAX_TOKEN_LEN)),
        );
        assert_eq!(
            UnverifiedJws::parse(&big).map(|_| ()).unwrap_err().code(),
            ErrorCode::MalformedJws
        );
    }

    #[test]
    fn rejects_duplicate_header_members_and_non_object_headers() {
        let dup = token(r#"{"alg":"RS256","alg":"none"}"#, "{}");
        assert_eq!(
            UnverifiedJws::parse(&dup).map(|_| ()).unwrap_err().code(),
            ErrorCode::MalformedJws
        );
        let arr = token(r#"["RS256"]"#, "{}");
        assert_eq!(
            UnverifiedJws::parse(&arr).map(|_| ()).unwrap_err().code(),
            ErrorCode::MalformedJws
        );
    }

    #[test]
    fn rejects_padded_or_non_canonical_segments() {
        let t = token(r#"{"alg":"RS256"}"#, "{}");
        assert!(UnverifiedJws::parse(&format!("{t}=")).is_err());
        assert!(UnverifiedJws::parse(&t.replace('.', "=.")).is_err());
    }
}
