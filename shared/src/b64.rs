//! Canonical base64url without padding (RFC 7515 section 2, RFC 4648 section 5).
//!
//! Decoding is strict: padding, characters outside the URL-safe alphabet and non-zero trailing
//! bits are refused, so each byte string has exactly one accepted encoding. Without this, a
//! signature could be "flipped" into an equivalent spelling and bypass replay caches keyed on
//! the token text.
//!
//! Decoding is RustCrypto's `base64ct`: constant-time, so decoding a secret (a PKCE verifier, a
//! refresh token, a key) leaks nothing through timing, and strict by construction. Encoding is
//! the same branch-free arithmetic written out here ([`encode`], checked against `base64ct` in
//! the tests): `base64ct`'s generic encoder is ~1.9 KB of the browser SDK's wasm, this ~0.2 KB.

use alloc::string::String;
use alloc::vec::Vec;
use base64ct::{Base64UrlUnpadded, Encoding};

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let group = (b(0) << 16) | (b(1) << 8) | b(2);
        // A chunk of n bytes carries n + 1 characters (no padding).
        for k in 0..=chunk.len() {
            let shift = 18 - 6 * k;
            out.push(char::from(symbol((group >> shift) as u8 & 0x3f)));
        }
    }
    out
}

/// The base64url character of a 6-bit value, without branches or table lookups (so without
/// secret-dependent timing): `'A' + v`, shifted at each range boundary by a mask that is all
/// ones exactly when `v` is past it (the arithmetic of `base64ct`'s URL-safe alphabet).
const fn symbol(v: u8) -> u8 {
    let v = v as i16;
    let mut c = v + 0x41; // 'A'..='Z' for 0..=25
    c += ((25 - v) >> 8) & 6; // 'a'..='z' for 26..=51 ('a' - 26 = 'A' + 6)
    c -= ((51 - v) >> 8) & 75; // '0'..='9' for 52..=61 ('0' - 52 = 'a' - 26 - 75)
    c -= ((61 - v) >> 8) & 13; // '-' for 62 ('-' - 62 = '0' - 52 - 13)
    c += ((62 - v) >> 8) & 49; // '_' for 63 ('_' - 63 = '-' - 62 + 49)
    c as u8
}

/// Decodes canonical unpadded base64url; `None` on any deviation.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoder_matches_base64ct_for_every_symbol_and_length() {
        let all: Vec<u8> = (0..=255).collect();
        for len in 0..=all.len() {
            let bytes = all.get(..len).unwrap_or_default();
            assert_eq!(
                encode(bytes),
                Base64UrlUnpadded::encode_string(bytes),
                "{len}"
            );
        }
        let symbols: String = (0..64).map(|v| char::from(symbol(v))).collect();
        assert_eq!(
            symbols,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        );
    }

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
