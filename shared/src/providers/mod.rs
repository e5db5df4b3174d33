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

pub mod apple;
pub mod discovery;
pub mod facebook;
pub mod github;
pub mod google;
mod identity;
pub mod microsoft;
mod name;
mod profile;
pub mod tokens;

pub use discovery::Discovery;
pub use identity::Identity;
pub use name::{Protocol, ProviderKind, ProviderName};
pub use profile::{EmailTrust, Endpoints, NonceStyle, ProviderProfile, SubjectRule};
pub use tokens::{granted_scopes, merge_scopes, RenewalStyle};
