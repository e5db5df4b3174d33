//! A project's mailer: the HTTPS webhook verification codes are posted to, and the HMAC
//! secret that signs each post, sealed at rest like provider secrets (`app::keyring`).

/// A mailer as stored. The secret is never returned by the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailer {
    /// Where codes are posted (https, or http on loopback: `domain::urls::check_url`).
    pub url: String,
    /// The webhook's signing secret, sealed (`Crypto::seal`, [`Mailer::secret_aad`]).
    pub secret_enc: String,
}

impl Mailer {
    /// The associated data of a project's sealed mailer secret: copied into another
    /// project's row, it does not open.
    pub fn secret_aad(project_id: &str) -> String {
        format!("kith mailer secret\0{project_id}")
    }
}
