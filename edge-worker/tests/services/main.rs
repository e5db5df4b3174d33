//! The Worker's services natively: the sign-in, refresh and identity services on the
//! in-memory twins (SQLite for D1, an HTTP twin for the providers, RustCrypto for
//! WebCrypto), with the same SQL and migration files as production. One test binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod admission;
mod codes;
mod emails;
mod identities;
mod jwks;
mod keys;
mod linking;
mod mailer;
mod native;
mod otp;
mod otp_caps;
mod plans;
mod projects;
mod reasons;
mod refresh_tokens;
mod relay;
mod replay;
mod secrets;
mod sessions;
mod single_use;
mod storage;
mod vault;
mod vault_kinds;
mod world;
