//! The Worker's domain: projects, providers and users as values, with newtypes where a
//! `String` would hide what it means. No I/O, no HTTP, no SQL.

pub mod identity;
pub mod ids;
pub mod mailer;
pub mod project;
pub mod provider;
pub mod provider_settings;
pub mod secret;
pub mod urls;
pub mod user;

pub use identity::ProvenIdentity;
pub use ids::{ProjectId, SessionId, UserId};
pub use mailer::Mailer;
pub use project::{Project, ProjectSettings};
pub use provider::{Provider, ProviderConfig, ProviderOptions, TokenAuthMethod};
pub use secret::{RefreshToken, Secret};
pub use user::{IdentityOut, SessionOut, UserOut};
