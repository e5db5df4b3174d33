//! Lower-case hexadecimal (RFC 4648 section 8, "base16"), the one hex encoder of Kith.
//!
//! Used for digests and MACs that are compared or stored as text: the SHA-256 of a nonce
//! (Apple's and Google's hashed-nonce form), Facebook's `appsecret_proof`, and the hashes the
//! Worker stores instead of refresh tokens and codes.
//!
//! The digit is computed without a branch or a table lookup on the byte (the same arithmetic
//! as RustCrypto's `base16ct`), so encoding a MAC or a secret-derived digest leaks nothing
//! through timing. Written without `format!`: the browser SDK links this and stays free of
//! `core::fmt`.

use alloc::string::String;

/// The ASCII hex digit of a nibble (`0..=15`), lower-case (`a`-`f`) or upper-case (`A`-`F`),
/// in constant time: `0x30 + n`, plus the distance to the letters when `n > 9`.
pub(crate) const fn digit(nibble: u8, upper: bool) -> u8 {
    let n = (nibble & 0x0f) as i16;
    let base = n + 0x30;
    // (0x39 - base) >> 8 is all ones exactly when base > '9', i.e. n >= 10.
    let letter_gap: i16 = if upper { 0x41 - 0x3a } else { 0x61 - 0x3a };
    (base + (((0x39 - base) >> 8) & letter_gap)) as u8
}

/// Encodes bytes as lower-case hex, two digits per byte.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(digit(b >> 4, false)));
        out.push(char::from(digit(b & 0x0f, false)));
    }
    out
}

/// Lower-case hex SHA-256 (FIPS 180-4) of a text: the hashed-nonce form of
/// [`NonceCheck::Sha256Hex`](crate::id_token::NonceCheck::Sha256Hex), and the form in which
/// single-use keys and refresh tokens are stored (CONTRACT "Secrets at rest").
pub fn sha256_hex(text: &str) -> String {
    encode(crate::sha256::sha256(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_nibble_in_both_cases() {
        let all: Vec<u8> = (0..16).map(|n| digit(n, false)).collect();
        assert_eq!(all, b"0123456789abcdef");
        let all: Vec<u8> = (0..16).map(|n| digit(n, true)).collect();
        assert_eq!(all, b"0123456789ABCDEF");
        assert_eq!(encode([0x00, 0x9f, 0xa0, 0xff]), "009fa0ff");
        assert_eq!(encode([]), "");
    }

    #[test]
    fn sha256_hex_matches_fips_180_2_appendix_b1() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
