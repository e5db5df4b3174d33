//! [`Verified`]: a value together with the proof that Kith's checks passed on it (STYLE.md
//! principle 3, "types carry proof").

use core::ops::Deref;

/// Proof that a value passed validation: an id_token whose signature and claims were checked
/// ([`crate::id_token::validate`], OIDC Core 1.0 section 3.1.3.7), or an identity derived from
/// one or read from a provider's API ([`crate::providers`]).
///
/// Only this crate can make one, so a function that takes a `Verified<T>` cannot be handed
/// a value that some code path forgot to verify. Carry it to the code that writes (the
/// linking and sign-in service) instead of unwrapping it at the first caller: read through
/// [`Deref`] or [`Verified::get`], derive with [`Verified::map`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<T>(T);

impl<T> Verified<T> {
    /// Wraps a value whose checks passed. Crate-private: the proof is only made by validation.
    pub(crate) fn new(value: T) -> Self {
        Self(value)
    }

    /// The verified value.
    pub fn get(&self) -> &T {
        &self.0
    }

    /// Derives a value from the verified one, keeping the proof: for example the account
    /// identity of verified id_token claims. `f` sees only the verified value, so what it
    /// returns is as trustworthy as what it reads from it.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Verified<U> {
        Verified(f(self.0))
    }
}

impl<T> Deref for Verified<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> AsRef<T> for Verified<T> {
    fn as_ref(&self) -> &T {
        &self.0
    }
}
