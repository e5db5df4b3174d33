//! What a provider proved about an account, as a type only a verification can produce.
//!
//! [`ProvenIdentity`] has private fields and no public constructor: `app::prove` makes one
//! from the `Verified<Identity>` kith-claims derives from verified id_token claims or from
//! the provider's own API answer after a code exchange, and the services that write users and identities take nothing else. A struct
//! anyone could fill in cannot reach the linking SQL.

use kith_claims::providers::Identity;
use kith_claims::Verified;
use std::fmt;

/// A single-use key (hashed id_token or nonce) and until when it is remembered (Unix
/// seconds): past that the token could not be accepted anyway.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplayKey {
    pub key: String,
    pub keep_until: i64,
}

impl fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key is a hash, but of a bearer token: keep it out of logs all the same.
        write!(f, "ReplayKey([redacted] until {})", self.keep_until)
    }
}

/// An account a provider vouched for (see the module docs).
#[derive(Debug, Clone)]
pub struct ProvenIdentity {
    identity: Identity,
    replay_keys: Vec<ReplayKey>,
}

impl ProvenIdentity {
    /// Only the proving code of this crate calls this, with the proof kith-claims made.
    pub(crate) fn from_proof(proof: Verified<Identity>, replay_keys: Vec<ReplayKey>) -> Self {
        Self {
            identity: proof.get().clone(),
            replay_keys,
        }
    }

    /// Test twins only (feature `twins`, never in the Worker's build): an identity taken on
    /// trust, for the storage and linking tests that start after the proof. The email is
    /// normalized as a proof would.
    #[cfg(feature = "twins")]
    pub fn dangerous_assume(mut identity: Identity, replay_keys: Vec<ReplayKey>) -> Self {
        identity.email = identity
            .email
            .as_deref()
            .and_then(kith_claims::email::normalize);
        Self {
            identity,
            replay_keys,
        }
    }

    pub fn subject(&self) -> &str {
        &self.identity.subject
    }
    /// The email as the provider states it, ASCII case folded (`kith_claims::email`).
    pub fn email(&self) -> Option<&str> {
        self.identity.email.as_deref()
    }
    /// Whether the provider vouches for the email (its profile's rule).
    pub fn email_trusted(&self) -> bool {
        self.identity.email_trusted
    }
    pub fn name(&self) -> Option<&str> {
        self.identity.name.as_deref()
    }
    pub fn picture(&self) -> Option<&str> {
        self.identity.picture.as_deref()
    }
    pub fn replay_keys(&self) -> &[ReplayKey] {
        &self.replay_keys
    }
}
