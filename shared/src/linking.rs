//! The account-linking decision, as one pure function (CONTRACT "Verification and linking
//! rules", item 4).
//!
//! An identity is keyed by (provider, subject), never by email. An email only joins an
//! existing account when the provider vouches for it *and* the provider's
//! `allow_email_account_merge` is on; otherwise the sign-in is refused with `email_in_use`,
//! or routed through the email-OTP check when `verify_email` is on. This is what stops the
//! "nOAuth" takeover, where an attacker sets a victim's address on an account at a provider
//! that does not verify emails.

/// Per-provider switches (the `options` of a provider configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkOptions {
    /// Let this provider's email take part in email matching: a vouched (or OTP-proven)
    /// email becomes the user's verified identifier, can link to the user who owns it, and
    /// collides (`email_in_use`) with it. Off: the email is kept as unverified contact data
    /// and never links or collides.
    pub use_email_as_identifier: bool,
    /// Let a vouched email join the existing user who owns it.
    pub allow_email_account_merge: bool,
    /// Route an email the provider does not vouch for through an email OTP.
    pub verify_email: bool,
    /// Allow new users through this provider.
    pub sign_up_enabled: bool,
    /// Allow sign-in through this provider at all (off: connect-only).
    pub sign_in_enabled: bool,
}

/// The user who already owns the provider's email address in this project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailOwner<'a> {
    pub user_id: &'a str,
}

/// Everything the decision depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkingInput<'a> {
    /// The user this (provider, subject) is already linked to, if any.
    pub linked_user: Option<&'a str>,
    /// The email the provider states, if any.
    pub email: Option<&'a str>,
    /// Whether the provider vouches for that email (see `profile::EmailTrust`).
    pub email_trusted: bool,
    /// The user who owns that email in the project, if any.
    pub email_owner: Option<EmailOwner<'a>>,
    pub options: LinkOptions,
    /// The project's self-registration switch.
    pub self_registration: bool,
}

/// What to do with a verified sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkDecision {
    /// The identity is known: sign its user in.
    SignInExisting { user_id: String },
    /// New identity, vouched email of an existing user, merge allowed: link and sign in.
    LinkToExisting { user_id: String },
    /// A new user with this identity. `email_verified` says whether the email is recorded as
    /// a verified identifier.
    Create { email_verified: bool },
    /// The email belongs to another user and may not be merged (409).
    EmailInUse,
    /// The email must be proven by OTP first (403 + verification token); on success, link to
    /// `link_to` or create a user.
    EmailVerificationRequired { link_to: Option<String> },
    /// A new user would be created, but sign-up is off (403).
    SignupDisabled,
    /// The provider is connect-only (403).
    SignInDisabled,
}

impl LinkDecision {
    /// The CONTRACT error code for refusals, `None` for decisions that sign in.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::EmailInUse => Some("email_in_use"),
            Self::EmailVerificationRequired { .. } => Some("email_verification_required"),
            Self::SignupDisabled => Some("signup_disabled"),
            Self::SignInDisabled => Some("sign_in_disabled"),
            Self::SignInExisting { .. } | Self::LinkToExisting { .. } | Self::Create { .. } => None,
        }
    }
}

/// Decides how a verified sign-in maps onto the project's users.
pub fn decide(input: &LinkingInput<'_>) -> LinkDecision {
    let o = input.options;
    if !o.sign_in_enabled {
        return LinkDecision::SignInDisabled;
    }
    if let Some(user_id) = input.linked_user {
        return LinkDecision::SignInExisting {
            user_id: user_id.to_owned(),
        };
    }
    let may_sign_up = o.sign_up_enabled && input.self_registration;
    // The OTP path only makes sense when the proven email will become an identifier.
    let otp = o.verify_email && o.use_email_as_identifier;
    // Without use_email_as_identifier the email never links nor collides.
    let email = input.email.filter(|_| o.use_email_as_identifier);
    let owner = input.email_owner.filter(|_| o.use_email_as_identifier);
    match (email, owner) {
        (Some(_), Some(owner)) => {
            if !o.allow_email_account_merge {
                LinkDecision::EmailInUse
            } else if input.email_trusted {
                LinkDecision::LinkToExisting {
                    user_id: owner.user_id.to_owned(),
                }
            } else if otp {
                LinkDecision::EmailVerificationRequired {
                    link_to: Some(owner.user_id.to_owned()),
                }
            } else {
                LinkDecision::EmailInUse
            }
        }
        _ if !may_sign_up => LinkDecision::SignupDisabled,
        (Some(_), None) if !input.email_trusted && otp => {
            LinkDecision::EmailVerificationRequired { link_to: None }
        }
        (Some(_), None) => LinkDecision::Create {
            email_verified: input.email_trusted,
        },
        (None, _) => LinkDecision::Create {
            email_verified: false,
        },
    }
}
