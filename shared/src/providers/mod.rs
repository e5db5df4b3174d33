//! Provider profiles as data, read by one generic engine (CONTRACT "Providers").
//!
//! A [`ProviderProfile`] says how to believe a provider: which issuer(s), which signature
//! algorithms, how the nonce is carried, when the provider vouches for an email, and which
//! claim keys the account. It *builds* the [`Expectations`](crate::id_token::Expectations)
//! that [`crate::id_token::validate`] applies; the dependency points from here to
//! `id_token`, never back. Endpoints are data too, so tests point them at local stand-ins and
//! production at the real hosts; nothing branches on a "test mode".
//!
//! One file per provider holds its profile and its documented quirks: [`google`],
//! [`apple`], [`microsoft`], [`github`] and [`facebook`] (whose API answers are parsed
//! here), and [`discovery`] for Okta and custom OpenID providers. [`tokens`] holds how each
//! kind renews its API token and asks for more scopes. [`ProviderName`] and
//! [`ProviderKind`] are the one list of names Kith knows.

//!
//! Without the `std` feature (the browser SDK's build) only [`ProviderKind`] and [`tokens`]
//! are compiled: what an authorization request needs.

#[cfg(feature = "std")]
pub mod apple;
#[cfg(feature = "std")]
pub mod discovery;
#[cfg(feature = "std")]
pub mod facebook;
#[cfg(feature = "std")]
pub mod github;
#[cfg(feature = "std")]
pub mod google;
#[cfg(feature = "std")]
mod identity;
mod kind;
#[cfg(feature = "std")]
pub mod microsoft;
#[cfg(feature = "std")]
mod name;
#[cfg(feature = "std")]
mod profile;
pub mod tokens;

#[cfg(feature = "std")]
pub use discovery::Discovery;
#[cfg(feature = "std")]
pub use identity::Identity;
pub use kind::{Protocol, ProviderKind};
#[cfg(feature = "std")]
pub use name::ProviderName;
#[cfg(feature = "std")]
pub use profile::{EmailTrust, Endpoints, NonceStyle, ProviderProfile, SubjectRule};
pub use tokens::{granted_scopes, merge_scopes, RenewalStyle};
