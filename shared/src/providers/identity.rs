//! [`Identity`]: the account a provider proved, in the one shape linking reads.

/// An account as a provider proved it: from verified id_token claims
/// ([`crate::providers::ProviderProfile::identity`]) or from a provider's API
/// ([`crate::providers::github::identity`], [`crate::providers::facebook::identity`]). Held
/// inside [`crate::Verified`] by those functions, so the service that writes the account can
/// insist on the proof. Keyed by (provider, `subject`), never by email (CONTRACT
/// "Verification and linking rules", item 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The provider's stable account key.
    pub subject: String,
    /// The email as [`crate::email::normalize`] leaves it (ASCII case folded, nothing else);
    /// `None` when the provider gave none (or blank). Whether it may link accounts is
    /// [`crate::email::is_identifier`]'s call (a non-ASCII address never does).
    pub email: Option<String>,
    /// Whether the provider vouches for the email.
    pub email_trusted: bool,
    /// Display name.
    pub name: Option<String>,
    /// Picture URL.
    pub picture: Option<String>,
}

impl Identity {
    pub(crate) fn new(
        subject: String,
        email: Option<&str>,
        email_trusted: bool,
        name: Option<String>,
        picture: Option<String>,
    ) -> Self {
        Self {
            subject,
            email: email.and_then(crate::email::normalize),
            email_trusted,
            name,
            picture,
        }
    }
}
