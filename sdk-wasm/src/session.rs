//! A Kith session as the SDK keeps it, and the clock arithmetic on it.
//!
//! Every time here is the *device's* clock and is only ever compared with another reading of
//! it: a session is stamped with its local receipt time and lives the server's `expires_in`
//! from then. The server's `expires_at` is kept for the app but never used for timing, so a
//! device clock hours off the server's neither expires a fresh session nor keeps a dead one.

use crate::prelude::*;

use core::fmt;

/// Before this much of a session's life has passed it is never refreshed automatically, however
/// large the margin: a misconfigured margin (or a zero `expires_in`) cannot make a refresh loop.
pub const MIN_REFRESH_AGE_MS: u64 = 2_000;
/// A session received more than this far in the device's future (the clock was set back since)
/// has an unknown age: it is treated as expired and refreshed.
pub const CLOCK_BACK_TOLERANCE_MS: u64 = 60_000;
/// An access token with less than this left is not handed out as live: it could expire on
/// its way to the app's server.
pub const LIVE_LEEWAY_MS: u64 = 5_000;
/// The default refresh margin is a quarter of the lifetime, but at most this.
pub const MAX_DEFAULT_MARGIN_MS: u64 = 60_000;

/// A refresh token: a long-lived credential. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(String);

impl RefreshToken {
    pub fn new(token: String) -> Self {
        Self(token)
    }
    /// The token text, to send to `POST /api/auth/refresh` (and to store).
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken([redacted])")
    }
}

/// A session (CONTRACT "Session") with its local receipt time. `U` is the user object, which
/// the machine never looks into (in the browser, the Worker's JSON as a JS value).
#[derive(Clone, PartialEq)]
pub struct Session<U> {
    pub access_token: String,
    pub refresh_token: RefreshToken,
    /// Seconds the access token lives, counted from `received_at`.
    pub expires_in: u64,
    /// Unix seconds on the server's clock: reported to the app, never used for timing.
    pub expires_at: u64,
    /// Local receipt time, ms since the epoch on the device's clock.
    pub received_at: u64,
    /// Refreshes since the sign-in: orders the sessions tabs hand each other without trusting
    /// any clock (a clock set back must not make a newer session look older).
    pub generation: u64,
    pub user: U,
}

impl<U> fmt::Debug for Session<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("expires_in", &self.expires_in)
            .field("received_at", &self.received_at)
            .finish_non_exhaustive()
    }
}

impl<U> Session<U> {
    fn life_ms(&self) -> u64 {
        self.expires_in.saturating_mul(1000)
    }

    /// When the access token expires, on the device's clock.
    pub fn expires_local(&self) -> u64 {
        self.received_at.saturating_add(self.life_ms())
    }

    /// Whether the session's age can be known: false when it was received in the device's
    /// future, i.e. the clock has been set back since.
    pub fn age_known(&self, now: u64) -> bool {
        now.saturating_add(CLOCK_BACK_TOLERANCE_MS) >= self.received_at
    }

    /// Whether the access token may be handed out: known age and at least
    /// [`LIVE_LEEWAY_MS`] left.
    pub fn is_live(&self, now: u64) -> bool {
        self.age_known(now) && now.saturating_add(LIVE_LEEWAY_MS) < self.expires_local()
    }

    /// When to refresh: `margin_ms` before expiry (default a quarter of the lifetime, at most
    /// a minute), never before [`MIN_REFRESH_AGE_MS`] after receipt.
    pub fn due_at(&self, margin_ms: Option<u64>) -> u64 {
        let life = self.life_ms();
        let margin = margin_ms.unwrap_or((life / 4).min(MAX_DEFAULT_MARGIN_MS));
        let after = life.saturating_sub(margin).max(MIN_REFRESH_AGE_MS);
        self.received_at.saturating_add(after)
    }

    /// Whether an automatic refresh is due now.
    pub fn is_due(&self, now: u64, margin_ms: Option<u64>) -> bool {
        !self.age_known(now) || now >= self.due_at(margin_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(expires_in: u64, received_at: u64) -> Session<()> {
        Session {
            access_token: "a".into(),
            refresh_token: RefreshToken::new("r".into()),
            expires_in,
            expires_at: 0,
            received_at,
            generation: 0,
            user: (),
        }
    }

    #[test]
    fn the_default_margin_is_a_quarter_of_the_life_capped_at_a_minute() {
        assert_eq!(session(3600, 1_000).due_at(None), 1_000 + 3_540_000);
        assert_eq!(session(120, 1_000).due_at(None), 1_000 + 90_000);
    }

    #[test]
    fn a_margin_larger_than_the_life_still_waits_the_minimum_age() {
        assert_eq!(
            session(3600, 0).due_at(Some(10_000_000)),
            MIN_REFRESH_AGE_MS
        );
        assert_eq!(session(0, 0).due_at(None), MIN_REFRESH_AGE_MS);
    }

    #[test]
    fn a_token_within_the_leeway_of_expiry_is_not_live() {
        let s = session(60, 0);
        assert!(s.is_live(60_000 - LIVE_LEEWAY_MS - 1));
        assert!(!s.is_live(60_000 - LIVE_LEEWAY_MS));
    }

    #[test]
    fn debug_output_never_shows_the_tokens() {
        let text = format!(
            "{:?} {:?}",
            session(1, 1),
            RefreshToken::new("secret-rt".into())
        );
        assert!(
            !text.contains("secret-rt") && !text.contains("access_token"),
            "{text}"
        );
    }
}
