//! The form_post relay (CONTRACT "Server-driven flow", last sentence): Apple POSTs `code`,
//! `state` and the first-login `user` cross-site to the Worker's callback; the Worker answers
//! `303` to the SDK's app page with the same values as GET query parameters, and the SDK
//! exchanges the code itself (its PKCE verifier never leaves sessionStorage).
//!
//! The relay keeps no state: the app page arrives in the SDK's own state
//! (`kith_claims::oauth::relay_state`), which anyone can write. What protects users is
//! [`destination`]: the page must be, character for character, one of *this* project's
//! `redirect_urls` and a web page (never an open redirect: a prefix, `userinfo@host`, another
//! scheme, a double-encoded spelling or another project's page all fail the exact match).
//! A forged relay sends a victim at most to an allowlisted page of the app with a code the
//! victim's SDK refuses (`state_mismatch`: no flow with that state in its tab) and nobody
//! can redeem (the PKCE verifier is in the starter's sessionStorage).

use super::config::{self, RateKey};
use super::flow::Route;
use super::ports::Platform;
use crate::domain::project::Config;
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::form_encode;

/// Longest `code`, `state` and `user` relayed.
const MAX_CODE: usize = 2048;
/// Longest `error` relayed (Apple: `user_cancelled_authorize`).
const MAX_ERROR: usize = 64;

/// How the provider's answer reached the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// An HTML form POST (`response_mode=form_post`): what the relay exists for.
    FormPost,
    /// A GET: refused (a browser GET needs no relay, and a GET relay would only be a redirect
    /// anyone can link to).
    Query,
}

/// `to` with `pairs` added to its query (any fragment dropped).
pub fn with_query(to: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let base = to.split('#').next().unwrap_or(to);
    let mut out = base.to_owned();
    let mut sep = if base.contains('?') { '&' } else { '?' };
    for (k, v) in pairs {
        if let Some(v) = v {
            out.push(sep);
            out.push_str(k);
            out.push('=');
            out.push_str(&form_encode(v));
            sep = '&';
        }
    }
    out
}

/// The relay's decision, with no I/O: where the browser goes, or why it does not.
///
/// `redirect_not_allowed` when the app page is not exactly one of the project's web
/// `redirect_urls`; `invalid_request` for anything but an Apple form_post.
pub fn destination(
    config: &Config,
    provider: &str,
    arrival: Arrival,
    app_page: &str,
    get: &dyn Fn(&str) -> Option<String>,
) -> ApiResult<String> {
    let provider = config::enabled_provider(config, provider)?;
    if !provider.answers_with_form_post() {
        return Err(ApiError::InvalidRequest(
            "the relay serves form_post providers (Apple) only".into(),
        ));
    }
    if arrival != Arrival::FormPost {
        return Err(ApiError::InvalidRequest(
            "the relay takes the provider's form_post only".into(),
        ));
    }
    let web = app_page.starts_with("https://") || app_page.starts_with("http://");
    if !web || !config.project.allows_redirect(app_page) {
        return Err(ApiError::RedirectNotAllowed);
    }
    let value = |k: &str, max: usize| get(k).filter(|v| !v.is_empty() && v.len() <= max);
    let (code, error) = (value("code", MAX_CODE), value("error", MAX_ERROR));
    if code.is_none() && error.is_none() {
        return Err(ApiError::InvalidRequest(
            "the form_post carries neither code nor error".into(),
        ));
    }
    let (state, user) = (value("state", MAX_CODE), value("user", MAX_CODE));
    Ok(with_query(
        app_page,
        &[
            ("code", code.as_deref()),
            ("state", state.as_deref()),
            ("user", user.as_deref()),
            ("error", error.as_deref()),
        ],
    ))
}

/// `POST .../callback` with a relay state: the project's configuration (and the flow's rate
/// budget) in one round trip, then [`destination`]. Writes nothing.
pub async fn relay<P: Platform>(
    p: &P,
    route: &Route<'_>,
    arrival: Arrival,
    app_page: &str,
    get: &dyn Fn(&str) -> Option<String>,
    rate: &RateKey<'_>,
    now: i64,
) -> ApiResult<String> {
    let config = config::load(p.db(), route.project_id, Some(rate), now).await?;
    config::check_rate(&config, Some(rate.limited))?;
    destination(&config, route.provider, arrival, app_page, get)
}
