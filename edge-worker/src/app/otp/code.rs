//! The values of an email verification: the six-digit code, what storage keeps of it (a
//! keyed hash bound to its verification), the row id of a token, and the masked address
//! shown to the user.

use crate::app::derive::{derive, same};
use crate::app::ports::{random, Crypto};
use crate::domain::Secret;
use crate::error::ApiResult;
use kith_claims::hex::sha256_hex;

/// A fresh six-digit code from the CSPRNG. 64 random bits reduced modulo 10^6: the bias is
/// below 10^-13.
pub fn draw<C: Crypto>(crypto: &C) -> ApiResult<Secret> {
    let n = u64::from_be_bytes(random::<8, C>(crypto)?) % 1_000_000;
    Ok(Secret::new(format!("{n:06}")))
}

/// The row id of a verification token: its SHA-256 (a database dump holds no live token).
pub fn row_id(token: &str) -> String {
    sha256_hex(token)
}

/// What storage keeps of `code`: HMAC-SHA256 under the Worker's email-code key
/// (`keyring::Purpose::EmailCode`), bound to the verification's row. A bare hash of six
/// digits falls to a million guesses; this one needs the key, and cannot be moved to
/// another verification.
pub fn keyed_hash(key: &[u8], row_id: &str, code: &Secret) -> String {
    derive(
        key,
        "kith email code",
        &format!("{row_id}\0{}", code.expose()),
    )
}

/// Whether `code` is the one whose keyed hash is `stored`, in constant time.
pub fn matches(key: &[u8], row_id: &str, code: &Secret, stored: &str) -> bool {
    same(keyed_hash(key, row_id, code).as_bytes(), stored.as_bytes())
}

/// Whether `code` has the shape of a code (six ASCII digits).
pub fn well_formed(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The address with its local part masked, as the user is shown where the code went:
/// `alice@example.com` → `a***e@example.com` (one or two characters: `a***@example.com`).
pub fn mask(email: &str) -> String {
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let mut chars = local.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    let last = match local.chars().count() {
        0..=2 => String::new(),
        _ => chars.next_back().map(String::from).unwrap_or_default(),
    };
    format!("{first}***{last}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_first_and_last_character_and_the_domain() {
        assert_eq!(mask("alice@example.com"), "a***e@example.com");
        assert_eq!(mask("al@example.com"), "a***@example.com");
        assert_eq!(mask("a@example.com"), "a***@example.com");
    }

    #[test]
    fn codes_have_six_digits() {
        assert!(well_formed("012345"));
        assert!(!well_formed("12345"));
        assert!(!well_formed("12345a"));
        assert!(!well_formed("１２３４５６"));
    }
}
