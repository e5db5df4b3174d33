//! Everything the SDK takes from `kith-claims`, in one place (the crate is being reorganised:
//! a move there changes this file only).

pub use kith_claims::hex::sha256_hex;
pub use kith_claims::oauth::{authorization_url, random_token, AuthorizationRequest, PkceVerifier};
pub use kith_claims::url_policy::is_trustworthy;

/// Percent-encoding of a path segment (the provider in `/api/auth/identities/{provider}`).
#[cfg(target_arch = "wasm32")]
pub use kith_claims::oauth::form_encode;
