//! # kith-claims
//!
//! The sans-I/O trust boundary of Kith: everything that decides whether a token from an
//! identity provider is believed. It performs no I/O of its own: no network, no clock and no
//! randomness. Time and random bytes are parameters, HTTP exchanges are prepare/process pairs
//! ([`oauth`]), and signature checks go through the small [`SignatureVerifier`] trait so the
//! Worker can plug in WebCrypto while native code and tests use RustCrypto.
//!
//! The flow for an id_token (OpenID Connect Core 1.0, section 3.1.3.7):
//!
//! 1. [`jws::UnverifiedJws::parse`] splits and strictly decodes the compact JWS (RFC 7515).
//! 2. [`jwk::JwkSet::select`] picks the provider key; the header's `alg` is checked against the
//!    algorithms the caller allows, never trusted on its own (RFC 8725 section 3.1).
//! 3. [`idtoken::validate_id_token`] verifies the signature, then walks the claim checks in
//!    order and returns [`Verified`]`<`[`idtoken::IdTokenClaims`]`>`.
#![forbid(unsafe_code)]

pub mod b64;
pub mod error;
pub mod idtoken;
mod json;
pub mod jwk;
pub mod jwks_cache;
pub mod jws;
pub mod linking;
pub mod oauth;
pub mod pkce;
pub mod profile;
pub mod verify;

pub use error::{Error, ErrorCode};
pub use idtoken::{validate_id_token, Expectations, IdTokenClaims, NonceCheck, TypRule, Verified};
pub use jwk::{Jwk, JwkSet};
pub use jws::{Alg, UnverifiedJws};
pub use linking::{decide as decide_linking, LinkDecision, LinkOptions, LinkingInput};
pub use profile::{IssuerRule, ProviderProfile};
pub use verify::SignatureVerifier;
