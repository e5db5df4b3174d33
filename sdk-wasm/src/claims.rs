//! Everything the SDK takes from `kith-claims`, in one place (the crate is being reorganised:
//! a move there changes this file only).

pub use kith_claims::idtoken::sha256_hex;
pub use kith_claims::oauth::{authorization_url, form_decode, AuthorizationRequest};
pub use kith_claims::pkce::{random_token, PkceVerifier};
