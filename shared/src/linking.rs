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
    /// That user's id.
    pub user_id: &'a str,
}

/// Everything the decision depends on: [`LinkingInput::decide`] is a pure function of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkingInput<'a> {
    /// The user this (provider, subject) is already linked to, if any.
    pub linked_user: Option<&'a str>,
    /// The email the provider states, if any.
    pub email: Option<&'a str>,
    /// Whether the provider vouches for that email (see [`crate::providers::EmailTrust`]).
    pub email_trusted: bool,
    /// The user who owns that email in the project, if any.
    pub email_owner: Option<EmailOwner<'a>>,
    /// The provider's switches.
    pub options: LinkOptions,
    /// The project's self-registration switch.
    pub self_registration: bool,
}

/// A sign-in the policy admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// The identity is known: sign its user in.
    SignInExisting {
        /// The user the identity is linked to.
        user_id: String,
    },
    /// New identity, vouched email of an existing user, merge allowed: link and sign in.
    LinkToExisting {
        /// The user who owns the email.
        user_id: String,
    },
    /// A new user with this identity. `email_verified` says whether the email is recorded as
    /// a verified identifier.
    Create {
        /// Whether the email becomes a verified identifier.
        email_verified: bool,
    },
}

/// A sign-in the policy refuses, each with its CONTRACT error code ("Sign in" table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The email belongs to another user and may not be merged (409 `email_in_use`).
    EmailInUse,
    /// The email must be proven by OTP first (403 `email_verification_required`); on
    /// success, link to `link_to` or create a user.
    EmailVerificationRequired {
        /// The user who owns the email, if any.
        link_to: Option<String>,
    },
    /// A new user would be created, but sign-up is off (403 `signup_disabled`).
    SignupDisabled,
    /// The provider is connect-only (403 `sign_in_disabled`).
    SignInDisabled,
}

impl Refusal {
    /// The CONTRACT error code of the refusal.
    pub fn error_code(&self) -> &'static str {
        match self {
            Self::EmailInUse => "email_in_use",
            Self::EmailVerificationRequired { .. } => "email_verification_required",
            Self::SignupDisabled => "signup_disabled",
            Self::SignInDisabled => "sign_in_disabled",
        }
    }
}

impl LinkingInput<'_> {
    /// Decides how a verified sign-in maps onto the project's users: a [`Grant`] or a
    /// [`Refusal`], nothing in between.
    pub fn decide(&self) -> Result<Grant, Refusal> {
        let o = self.options;
        if !o.sign_in_enabled {
            return Err(Refusal::SignInDisabled);
        }
        if let Some(user_id) = self.linked_user {
            return Ok(Grant::SignInExisting {
                user_id: user_id.to_owned(),
            });
        }
        let may_sign_up = o.sign_up_enabled && self.self_registration;
        // The OTP path only makes sense when the proven email will become an identifier.
        let otp = o.verify_email && o.use_email_as_identifier;
        // Without use_email_as_identifier the email never links nor collides; nor does an
        // address that is not an identifier (non-ASCII: `crate::email`), whatever the
        // options, so the decision is the same as for no email at all.
        let email = self
            .email
            .filter(|e| o.use_email_as_identifier && crate::email::is_identifier(e));
        let owner = self.email_owner.filter(|_| email.is_some());
        match (email, owner) {
            (Some(_), Some(owner)) => {
                if !o.allow_email_account_merge {
                    Err(Refusal::EmailInUse)
                } else if self.email_trusted {
                    Ok(Grant::LinkToExisting {
                        user_id: owner.user_id.to_owned(),
                    })
                } else if otp {
                    Err(Refusal::EmailVerificationRequired {
                        link_to: Some(owner.user_id.to_owned()),
                    })
                } else {
                    Err(Refusal::EmailInUse)
                }
            }
            _ if !may_sign_up => Err(Refusal::SignupDisabled),
            (Some(_), None) if !self.email_trusted && otp => {
                Err(Refusal::EmailVerificationRequired { link_to: None })
            }
            (Some(_), None) => Ok(Grant::Create {
                email_verified: self.email_trusted,
            }),
            (None, _) => Ok(Grant::Create {
                email_verified: false,
            }),
        }
    }
}

// Old paths, kept only until the Worker moves to `LinkingInput::decide` (issue 11): see
// `crate::legacy`.
