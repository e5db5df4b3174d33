//! Values derived with HMAC rather than stored: refresh successors and the server-driven
//! flow's verifier and nonce. (Hashes of tokens and codes, what storage keeps instead of the
//! secret, are `kith_claims::hex::sha256_hex`.)

use hmac::{Hmac, Mac};
use kith_claims::b64;
use sha2::Sha256;

/// `base64url(HMAC-SHA256(key, label || 0x00 || value))`: values derived from a public one
/// with the Worker's secret, so they need not be stored.
pub fn derive(key: &[u8], label: &str, value: &str) -> String {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(label.as_bytes());
    mac.update(b"\0");
    mac.update(value.as_bytes());
    b64::encode(mac.finalize().into_bytes())
}

/// The successor of a refresh token. Deterministic, so racing tabs presenting one token all
/// get the same successor, and only hashes are stored.
pub fn successor_token(key: &[u8], token: &str) -> String {
    derive(key, "kith refresh successor", token)
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths (a guessed
/// secret learns nothing from how long a refusal took).
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
