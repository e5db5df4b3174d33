//! The platform behind the ports: D1 and its SQLite twin, the SQL of every aggregate,
//! Workers' `fetch`, WebCrypto, the Worker's keys and the JWKS cache.

pub mod admitted;
pub mod config_cache;
pub mod d1;
pub mod fetch;
pub mod jwks;
pub mod keys;
pub mod platform;
pub mod secret_box;
pub mod sql;
#[cfg(feature = "twins")]
pub mod sqlite;
#[cfg(feature = "twins")]
pub mod twins;
pub mod webcrypto;
