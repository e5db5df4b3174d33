//! The admin API's services (`Authorization: Bearer <ADMIN_TOKEN>`): projects, providers
//! and users. Secrets sent here are sealed before they reach storage and never returned.

pub mod projects;
pub mod providers;
pub mod users;

use crate::error::ApiError;

fn bad(m: impl Into<String>) -> ApiError {
    ApiError::InvalidRequest(m.into())
}
