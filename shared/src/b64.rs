//! Canonical base64url without padding (RFC 7515 section 2, RFC 4648 section 5).
//!
//! Decoding is strict: padding, characters outside the URL-safe alphabet and non-zero trailing
//! bits are refused, so each byte string has exactly one accepted encoding. Without this, a
//! signature could be "flipped" into an equivalent spelling and bypass replay caches keyed on
//! the token text.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

const STRICT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Encodes bytes as unpadded base64url.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    STRICT.encode(bytes)
}

/// Decodes canonical unpadded base64url; `None` on any deviation.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    STRICT.decode(text).ok()
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
