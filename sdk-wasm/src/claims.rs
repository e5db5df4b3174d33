//! Everything the SDK takes from `kith-claims`, in one place (the crate is being reorganised:
//! a move there changes this file only).

pub use kith_claims::hex::sha256_hex;
pub use kith_claims::oauth::{
    authorization_url, random_token, relay_state, AuthorizationRequest, PkceVerifier, MAX_APP_PAGE,
};
pub use kith_claims::url_policy::is_trustworthy;

/// Percent-encoding of a path segment (the provider in `/api/auth/identities/{provider}`).
#[cfg(target_arch = "wasm32")]
pub use kith_claims::oauth::form_encode;

/// Scopes beyond the configured ones, and the provider's parameters for them.
#[cfg(target_arch = "wasm32")]
pub use kith_claims::oauth::append_params;
/// How a relay state starts (the callback passes Apple's `user` on only after the relay).
#[cfg(any(target_arch = "wasm32", test))]
pub use kith_claims::oauth::RELAY_PREFIX;
#[cfg(target_arch = "wasm32")]
pub use kith_claims::providers::{merge_scopes, ProviderKind};
