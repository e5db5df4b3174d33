//! The services: sign-in, proving an account per provider kind, refresh and sessions,
//! identities, email verification by code, rate limits, the server-driven flow and the
//! admin API. Each is generic over the ports ([`ports::Platform`], [`store::Db`]) and takes time as a parameter, so the
//! same code runs in workerd and natively against the twins in `cargo test`.

pub mod admin;
pub mod config;
pub mod derive;
pub mod flow;
pub mod identities;
pub mod keyring;
pub mod otp;
pub mod ports;
pub mod prove;
pub mod refresh_token;
pub mod relay;
pub mod secrets;
pub mod sessions;
pub mod signin;
pub mod store;
pub mod vault;
