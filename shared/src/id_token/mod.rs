//! id_token validation (OpenID Connect Core 1.0 section 3.1.3.7), in order.
//!
//! One entry point, [`validate`], turns a compact token into
//! [`Verified`](crate::Verified)`<`[`IdTokenClaims`]`>`. Nothing is skipped silently: every
//! check that can be relaxed is an explicit value in [`Expectations`] (for example
//! [`NonceCheck::ExpectNone`]).
//!
//! The signature is checked before any claim is interpreted (RFC 8725 section 3.1), so an
//! attacker never sees which claim check a forged token would have failed.
//!
//! The rules the validator applies live here ([`IssuerRule`], [`NonceCheck`], [`TypRule`]);
//! a provider profile ([`crate::providers`]) only *builds* [`Expectations`] from them, so the
//! dependency points one way: providers use id_token, never the reverse.

mod claims;
mod expectations;
mod issuer;
mod validate;

pub use claims::{BoolClaim, IdTokenClaims, StringBooleans};
pub use expectations::{
    Expectations, NonceCheck, TypRule, DEFAULT_LEEWAY_SECS, DEFAULT_MAX_AGE_SECS,
};
pub use issuer::{guid_like, IssuerRule, TenantPolicy, MICROSOFT_CONSUMER_TENANT};
pub use validate::{validate, validate_jws};
