//! Canonical base64url without padding (RFC 7515 section 2, RFC 4648 section 5).
//!
//! Decoding is strict: padding, characters outside the URL-safe alphabet and non-zero trailing
//! bits are refused, so each byte string has exactly one accepted encoding. Without this, a
//! signature could be "flipped" into an equivalent spelling and bypass replay caches keyed on
//! the token text.
//!
//! The codec is RustCrypto's `base64ct`: constant-time, so encoding or decoding a secret (a PKCE
//! verifier, a refresh token, a key) leaks nothing through timing, and strict by construction.

use alloc::string::String;
use alloc::vec::Vec;
use base64ct::{Base64UrlUnpadded, Encoding};

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    Base64UrlUnpadded::encode_string(bytes.as_ref())
}

/// Decodes canonical unpadded base64url; `None` on any deviation.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_has_no_padding() {
        assert_eq!(encode([0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8"), Some(vec![0xfb, 0xff]));
    }

    #[test]
    fn rejects_padding_standard_alphabet_and_trailing_bits() {
        assert_eq!(decode("-_8="), None);
        assert_eq!(decode("+/8"), None);
        // "-_9" decodes to the same two bytes as "-_8" with a non-zero trailing bit.
        assert_eq!(decode("-_9"), None);
        assert_eq!(decode("a"), None);
    }
}
