//! JOSE: JSON Web Signature (RFC 7515), JSON Web Keys (RFC 7517) and the algorithms of
//! RFC 7518 / RFC 8037, restricted by the JWT best current practices (RFC 8725).
//!
//! The path of a token through this module:
//! 1. [`UnverifiedJws::parse`] splits and strictly decodes the compact JWS;
//! 2. [`JwkSet::select`] picks the provider key; the header's `alg` is checked against the
//!    algorithms the caller allows, never trusted on its own (RFC 8725 section 3.1);
//! 3. a [`SignatureVerifier`] checks the signature (WebCrypto in the Worker,
//!    [`RustCryptoVerifier`] natively and in tests).
//!
//! [`jwks_cache`] holds the pure policy deciding when a key set is (re)fetched.

mod jwk;
pub mod jwks_cache;
mod jws;
mod verify;

pub use jwk::{Jwk, JwkSet, KeyMaterial, MAX_JWKS_LEN, MAX_KEYS, MIN_RSA_BITS};
pub use jws::{Alg, Header, UnverifiedJws, MAX_TOKEN_LEN};
#[cfg(feature = "rustcrypto")]
pub use verify::RustCryptoVerifier;
pub use verify::SignatureVerifier;
