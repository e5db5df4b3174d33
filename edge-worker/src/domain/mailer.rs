//! A project's mailer: the HTTPS webhook verification codes are posted to, and the HMAC
//! secret that signs each post, sealed at rest like provider secrets (`app::keyring`).

use std::fmt;

/// A mailer as stored. The secret is never returned by the admin API. Its `Debug` shows the
/// URL's origin only: a webhook URL may carry a credential in its path or query.
#[derive(Clone, PartialEq, Eq)]
pub struct Mailer {
    /// Where codes are posted (https, or http on loopback: `domain::urls::check_url`).
    pub url: String,
    /// The webhook's signing secret, sealed (`Crypto::seal`, [`Mailer::secret_aad`]).
    pub secret_enc: String,
}

/// `scheme://host[:port]` of `url`: what logs and `Debug` may show of a webhook URL (no
/// path, query or userinfo, which may carry a credential).
pub fn origin(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url
        .get(start..)
        .and_then(|rest| rest.find(['/', '?', '#']))
        .map_or(url.len(), |i| start + i);
    let authority = url.get(start..end).unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{}{host}", url.get(..start).unwrap_or_default())
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("url", &origin(&self.url))
            .field("secret_enc", &"<sealed>")
            .finish()
    }
}

impl Mailer {
    /// The associated data of a project's sealed mailer secret: copied into another
    /// project's row, it does not open.
    pub fn secret_aad(project_id: &str) -> String {
        format!("kith mailer secret\0{project_id}")
    }
}
