//! PKCE (RFC 7636), state and nonce values, made from caller-supplied random bytes.
//!
//! The core has no randomness of its own: the browser SDK passes bytes from
//! `crypto.getRandomValues`, the Worker from `crypto.getRandomValues` too, tests fixed bytes.

use crate::b64;
use crate::error::{Error, ErrorCode, Result};
use alloc::borrow::ToOwned;
use alloc::string::String;
use core::fmt;

/// A PKCE code verifier (RFC 7636 section 4.1): whoever intercepts the authorization code
/// cannot redeem it without this (RFC 7636 section 1, RFC 9700 section 4.5). Deliberately not
/// `Clone`: it is a one-time secret that should be stored once and spent once. `Debug` does
/// not print it.
pub struct PkceVerifier(String);

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

impl PkceVerifier {
    /// A verifier from 32 random bytes: 43 base64url characters (256 bits of entropy).
    pub fn from_random(bytes: &[u8; 32]) -> Self {
        Self(b64::encode(bytes))
    }

    /// Accepts a verifier received from a client, checking RFC 7636 section 4.1's grammar:
    /// 43-128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    pub fn parse(text: &str) -> Result<Self> {
        let ok_len = (43..=128).contains(&text.len());
        let ok_chars = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if ok_len && ok_chars {
            Ok(Self(text.to_owned()))
        } else {
            Err(Error::new(
                ErrorCode::InvalidInput,
                "code_verifier must be 43-128 unreserved characters (RFC 7636 section 4.1)",
            ))
        }
    }

    /// The verifier text, to send to the token endpoint.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The S256 code challenge: `BASE64URL(SHA256(ASCII(code_verifier)))` (section 4.2).
    pub fn challenge_s256(&self) -> String {
        b64::encode(crate::sha256::sha256(self.0.as_bytes()))
    }
}

/// An unguessable value for `state` (RFC 6749 section 10.12, login CSRF) or `nonce` (OIDC
/// Core 1.0 section 15.5.2, token replay): 32 random bytes as base64url (43 chars, 256 bits,
/// beyond guessing per RFC 6749 section 10.10).
pub fn random_token(bytes: &[u8; 32]) -> String {
    b64::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_challenge_matches_rfc7636_appendix_b() {
        let bytes: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = PkceVerifier::from_random(&bytes);
        assert_eq!(
            verifier.secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            verifier.challenge_s256(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn parse_enforces_the_verifier_grammar() {
        assert!(PkceVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").is_ok());
        assert!(PkceVerifier::parse("short").is_err());
        assert!(PkceVerifier::parse(&"a".repeat(129)).is_err());
        assert!(PkceVerifier::parse(&format!("{}+", "a".repeat(43))).is_err());
    }

    #[test]
    fn debug_output_never_shows_the_verifier() {
        let v = PkceVerifier::from_random(&[7; 32]);
        assert!(!format!("{v:?}").contains(v.secret()));
    }
}
