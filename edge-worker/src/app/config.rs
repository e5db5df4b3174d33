//! Reading a project's configuration for a request, and the per-IP rate limits.

use crate::adapters::sql::config as sql;
use crate::app::store::Db;
use crate::domain::project::Config;
use crate::domain::{ProjectId, Provider};
use crate::error::{ApiError, ApiResult};

/// The routes with a per-IP, per-minute budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Sign-in, and linking (it proves an account exactly as a sign-in does).
    SignIn,
    Refresh,
    /// The server-driven flow's unauthenticated routes (start, callback, code exchange):
    /// they share the sign-in budget under their own counter.
    Flow,
    /// The email-verification routes (a code's try, a resend): the sign-in budget, under
    /// their own counter.
    Verify,
    /// The public read of the providers list (it writes nothing, but is unauthenticated):
    /// the refresh budget, under its own counter.
    Read,
    /// `POST /api/auth/session/check`, which app backends call per sensitive request: its
    /// own budget (`check_per_minute`), since one backend's IP asks for all its users.
    Check,
}

impl Limited {
    fn label(self) -> &'static str {
        match self {
            Self::SignIn => "signin",
            Self::Refresh => "refresh",
            Self::Flow => "flow",
            Self::Read => "read",
            Self::Verify => "verify",
            Self::Check => "check",
        }
    }
}

/// A counted request: which budget, the client it is charged to, and the browser origin it
/// came from (counted only when the project admits that origin).
pub struct RateKey<'a> {
    pub limited: Limited,
    pub client_ip: &'a str,
    pub origin: Option<&'a str>,
}

/// Loads the project's configuration (`404 project_not_found`), counting `rate` in the same
/// round trip.
pub async fn load<D: Db>(
    db: &D,
    pid: &ProjectId,
    rate: Option<&RateKey<'_>>,
    now: i64,
) -> ApiResult<Config> {
    let key = rate.map(|r| rate_key(r.limited, r.client_ip));
    let window = window_of(now);
    let count = rate.zip(key.as_deref()).map(|(r, key)| sql::Count {
        key,
        window,
        origin: r.origin,
    });
    sql::load(db, pid.as_str(), count.as_ref())
        .await?
        .ok_or(ApiError::ProjectNotFound)
}

/// The counter of `limited` requests from `client_ip`.
pub fn rate_key(limited: Limited, client_ip: &str) -> String {
    format!("{}:{}", limited.label(), client_ip)
}

/// The start of the per-minute window `now` falls in.
pub fn window_of(now: i64) -> i64 {
    now - now.rem_euclid(60)
}

/// The project's budget per client IP and minute for `limited` requests.
pub fn limit_of(config: &Config, limited: Limited) -> i64 {
    let settings = &config.project.settings;
    match limited {
        Limited::SignIn | Limited::Flow | Limited::Verify => settings.sign_in_per_minute,
        Limited::Refresh | Limited::Read => settings.refresh_per_minute,
        Limited::Check => settings.check_per_minute,
    }
}

/// `429 rate_limited` when the counted request went over the project's budget.
pub fn check_rate(config: &Config, limited: Option<Limited>) -> ApiResult<()> {
    let Some(limited) = limited else {
        return Ok(());
    };
    let limit = limit_of(config, limited);
    match config.rate_count {
        Some(count) if count > limit => Err(ApiError::RateLimited),
        _ => Ok(()),
    }
}

/// The provider `name` if configured and enabled (`422 provider_not_enabled`).
pub fn enabled_provider<'c>(config: &'c Config, name: &str) -> ApiResult<&'c Provider> {
    config
        .enabled_provider(name)
        .ok_or_else(|| ApiError::ProviderNotEnabled(name.to_owned()))
}
