//! A project (tenant): who may call it, where users may be sent back to, and its tunables.

use super::ProjectId;
use serde::{Deserialize, Serialize};

/// A project as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub allowed_origins: Vec<String>,
    pub redirect_urls: Vec<String>,
    pub self_registration: bool,
    pub settings: ProjectSettings,
    /// Where verification codes go (`None`: no email OTP can be sent).
    pub mailer: Option<super::Mailer>,
}

impl Project {
    /// Whether a browser on `origin` may call this project's API (exact match: a look-alike
    /// origin or a suffix trick never passes). A request without `Origin` is not a browser's.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|a| a == origin)
    }

    /// Whether users may be sent back to `url` (exact match only: an open redirect would
    /// hand codes and sessions to an attacker).
    pub fn allows_redirect(&self, url: &str) -> bool {
        self.redirect_urls.iter().any(|r| r == url)
    }
}

/// Tunables of a project (all optional in the admin API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectSettings {
    /// Sign-in attempts per client IP per minute (`POST /api/auth/login/social`).
    pub sign_in_per_minute: i64,
    /// Refreshes per client IP per minute (`POST /api/auth/refresh`).
    pub refresh_per_minute: i64,
    /// Access token lifetime, seconds.
    pub access_token_ttl_secs: i64,
    /// Session (refresh token family) lifetime, seconds.
    pub session_ttl_secs: i64,
    /// How long a rotated refresh token still returns its successor (racing tabs), seconds.
    pub refresh_grace_secs: i64,
    /// Session checks per client IP per minute (`POST /api/auth/session/check`). An app
    /// backend is one IP calling for all its users, so its budget is its own and larger.
    pub check_per_minute: i64,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        Self {
            sign_in_per_minute: 30,
            refresh_per_minute: 120,
            access_token_ttl_secs: 3600,
            session_ttl_secs: 30 * 24 * 3600,
            refresh_grace_secs: 30,
            check_per_minute: 6000,
        }
    }
}

impl ProjectSettings {
    /// Checks the bounds; the reason on failure.
    pub fn validate(&self) -> Result<(), &'static str> {
        if !(1..=100_000).contains(&self.sign_in_per_minute)
            || !(1..=100_000).contains(&self.refresh_per_minute)
            || !(1..=100_000).contains(&self.check_per_minute)
        {
            return Err("rate limits must be 1-100000 per minute");
        }
        if !(60..=86_400).contains(&self.access_token_ttl_secs) {
            return Err("access_token_ttl_secs must be 60-86400");
        }
        if !(3600..=365 * 86_400).contains(&self.session_ttl_secs) {
            return Err("session_ttl_secs must be 3600-31536000");
        }
        if !(1..=300).contains(&self.refresh_grace_secs) {
            return Err("refresh_grace_secs must be 1-300");
        }
        Ok(())
    }
}

/// A project with its providers as a request reads them, and the rate-limit count of this
/// request.
#[derive(Debug, Clone)]
pub struct Config {
    pub project: Project,
    pub providers: Vec<super::Provider>,
    /// Requests of this client in the current minute, this one included.
    pub rate_count: Option<i64>,
    /// `projects.config_version` when this was read (`adapters::admitted`).
    pub version: i64,
}

impl Config {
    /// The provider `name` if it is configured and enabled.
    pub fn enabled_provider(&self, name: &str) -> Option<&super::Provider> {
        self.providers
            .iter()
            .find(|p| p.name.as_str() == name && p.enabled)
    }
}
