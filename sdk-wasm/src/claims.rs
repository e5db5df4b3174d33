//! Everything the SDK takes from `kith-claims`, in one place (the crate is being reorganised:
//! a move there changes this file only).

pub use kith_claims::idtoken::sha256_hex;
pub use kith_claims::oauth::{authorization_url, AuthorizationRequest};
pub use kith_claims::pkce::{random_token, PkceVerifier};

/// Percent-encoding of a path segment (the provider in `/api/auth/identities/{provider}`).
#[cfg(target_arch = "wasm32")]
pub use kith_claims::oauth::form_encode;
