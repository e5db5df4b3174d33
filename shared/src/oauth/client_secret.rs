//! [`ClientSecret`]: the OAuth 2.0 client password (RFC 6749 section 2.3.1).

use std::fmt;

/// A client secret (RFC 6749 section 2.3.1): the password of a confidential client at the
/// provider's token endpoint, also the key of Facebook's `appsecret_proof`.
///
/// Whoever reads it can redeem stolen authorization codes as the client (RFC 9700 section
/// 4.5), so it cannot be printed by accident: `Debug` shows `[redacted]`, there is no
/// `Display`, and the text is reached only through [`ClientSecret::expose_secret`], a name
/// that stands out in review.
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wraps the secret as the Worker unsealed it (or as Apple's minted JWT).
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret text, to put on the wire to the token endpoint.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}
