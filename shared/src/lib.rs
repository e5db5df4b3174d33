//! # kith-claims
//!
//! The sans-I/O trust boundary of Kith: everything that decides whether a token from an
//! identity provider is believed. It performs no I/O of its own: no network, no clock and no
//! randomness. Time and random bytes are parameters, HTTP exchanges are prepare/process pairs
//! ([`oauth`], the API calls in [`providers`]), and signature checks go through the small
//! [`jose::SignatureVerifier`] trait so the Worker can plug in WebCrypto while native code and
//! tests use RustCrypto.
//!
//! The folders follow the path of a sign-in, and dependencies point down this list only:
//!
//! | module | what | spec |
//! |---|---|---|
//! | [`access_token`] | Kith's own access tokens, verified for Rust backends; makes [`Verified`] | RFC 7519, RFC 8725 |
//! | [`providers`] | provider names and kinds, one file per provider: profile, quirks, API answers | CONTRACT "Providers" |
//! | [`linking`] | the account-linking decision: a [`linking::Grant`] or a [`linking::Refusal`] | CONTRACT "Verification and linking rules" 4 |
//! | [`id_token`] | claims, expectations, validation; makes [`Verified`] | OIDC Core 3.1.3.7 |
//! | [`oauth`] | authorization URL, code exchange, PKCE, form coding | RFC 6749, RFC 7636 |
//! | [`jose`] | compact JWS, JWK sets, the verifier port, the JWKS cache policy | RFC 7515, 7517, 7518, 8725 |
//! | [`url_policy`] | the one URL policy: https, or http on loopback | W3C Secure Contexts 3.1, RFC 9700 |
//! | [`email`] | email normalization (ASCII case only) and which addresses may link | RFC 5321, 6531 |
//! | [`b64`], [`hex`], [`error`] | canonical base64url, constant-time hex, the one error type | RFC 4648 |
//!
//! The flow for an id_token (OpenID Connect Core 1.0, section 3.1.3.7):
//!
//! 1. [`jose::UnverifiedJws::parse`] splits and strictly decodes the compact JWS (RFC 7515).
//! 2. [`jose::JwkSet::select`] picks the provider key; the header's `alg` is checked against
//!    the algorithms the caller allows, never trusted on its own (RFC 8725 section 3.1).
//! 3. [`id_token::validate`] verifies the signature, then walks the claim checks in order and
//!    returns [`Verified`]`<`[`id_token::IdTokenClaims`]`>`, with the [`Expectations`] a
//!    [`providers::ProviderProfile`] built.
//! 4. [`providers::ProviderProfile::identity`] derives the [`Verified`] account, which
//!    [`linking`] places among the project's users.
//!
//! [`Expectations`]: id_token::Expectations
//!
//! Without the default feature `std` only [`url_policy`], [`oauth`]'s authorization request
//! and form coding, [`b64`], [`hex`] and [`error`] are built, `no_std` + `alloc`: what the
//! browser SDK links.
#![forbid(unsafe_code)]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "std")]
pub mod access_token;
pub mod b64;
#[cfg(feature = "std")]
pub mod email;
pub mod error;
pub mod hex;
#[cfg(feature = "std")]
pub mod id_token;
#[cfg(feature = "std")]
pub mod jose;
#[cfg(feature = "std")]
mod json;
#[cfg(feature = "std")]
pub mod linking;
pub mod oauth;
pub mod providers;
pub mod sha256;
pub mod url_policy;
#[cfg(feature = "std")]
mod verified;

pub use error::{Error, ErrorCode, Result};
#[cfg(feature = "std")]
pub use verified::Verified;
