//! The JWKS cache policy as pure functions of (cache state, now).
//!
//! The Worker keeps the key set and the timestamps; these functions decide when to fetch.
//! - Lifetime comes from the provider's `Cache-Control: max-age`, bounded to
//!   [[`MIN_TTL_SECS`], [`MAX_TTL_SECS`]] ([`DEFAULT_TTL_SECS`] without one): a provider cannot
//!   make Kith fetch on every request, nor keep a revoked key forever.
//! - A token with an unknown `kid` (key rotation) triggers a refetch at most once per
//!   [`REFETCH_COOLDOWN_SECS`], counted from the last such refetch (not from the last fetch:
//!   a key that starts signing just after a routine fetch is still seen at once), so random
//!   `kid`s cannot make Kith hammer the provider. `kith-sdk/server` keeps the same rule.
//! - Concurrent requests that need a fetch share the one in flight.

/// Shortest cache lifetime honoured.
pub const MIN_TTL_SECS: i64 = 60;
/// Longest cache lifetime honoured.
pub const MAX_TTL_SECS: i64 = 24 * 3600;
/// Lifetime when the provider sends no usable `max-age`.
pub const DEFAULT_TTL_SECS: i64 = 600;
/// Minimum time between two refetches of one key set for an unknown `kid`.
pub const REFETCH_COOLDOWN_SECS: i64 = 30;

/// Cache lifetime from a `Cache-Control` header value (RFC 9111 section 5.2.2.1).
/// `no-store`/`no-cache` get the minimum, not zero: each sign-in must not cost a fetch.
pub fn ttl_from_cache_control(header: Option<&str>) -> i64 {
    let Some(header) = header else {
        return DEFAULT_TTL_SECS;
    };
    let mut ttl = None;
    for directive in header.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return MIN_TTL_SECS;
        }
        if let Some(v) = lower.strip_prefix("max-age=") {
            ttl = v.trim_matches('"').parse::<i64>().ok();
        }
    }
    ttl.map_or(DEFAULT_TTL_SECS, |t| t.clamp(MIN_TTL_SECS, MAX_TTL_SECS))
}

/// What the cache knows about one key set (OIDC Core 1.0 section 10.1.1, key rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheState {
    /// When the current key set was fetched (Unix seconds).
    pub fetched_at: i64,
    /// When it stops being fresh.
    pub expires_at: i64,
    /// When a fetch was last started (successful or not).
    pub last_attempt_at: i64,
    /// When a fetch for an unknown `kid` was last started (`i64::MIN`: never); see
    /// [`record_fetch`].
    pub refetched_at: i64,
    /// Whether a fetch is running now.
    pub in_flight: bool,
}

/// What to do for one lookup (OIDC Core 1.0 section 10.1.1: refetch on an unknown `kid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwksAction {
    /// Use the cached key set.
    UseCached,
    /// Start a fetch (record it with [`record_fetch`]; `in_flight = true` while it runs).
    Fetch,
    /// Wait for the fetch in flight, then use its result.
    JoinInFlight,
}

/// Decides (CONTRACT "Verification and linking rules", item 3) for a lookup of `kid_known` (whether the cached set holds the token's `kid`, or
/// the token has none) at `now`.
pub fn decide(state: Option<&CacheState>, now: i64, kid_known: bool) -> JwksAction {
    let Some(s) = state else {
        return JwksAction::Fetch;
    };
    let fetch_or_join = if s.in_flight {
        JwksAction::JoinInFlight
    } else {
        JwksAction::Fetch
    };
    if now >= s.expires_at {
        return fetch_or_join;
    }
    if kid_known {
        return JwksAction::UseCached;
    }
    if s.in_flight {
        return JwksAction::JoinInFlight;
    }
    if now.saturating_sub(s.refetched_at) >= REFETCH_COOLDOWN_SECS {
        JwksAction::Fetch
    } else {
        JwksAction::UseCached
    }
}

/// Records in `s` a fetch started at `now` because [`decide`] said so: a fetch while the set
/// was fresh was for an unknown `kid`, and starts that cooldown. (A caller that shares the
/// fetch between requests also sets `in_flight`.)
pub fn record_fetch(s: &mut CacheState, now: i64) {
    if now < s.expires_at {
        s.refetched_at = now;
    }
    s.last_attempt_at = now;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(now: i64) -> CacheState {
        CacheState {
            fetched_at: now,
            expires_at: now + 600,
            last_attempt_at: now,
            refetched_at: i64::MIN,
            in_flight: false,
        }
    }

    #[test]
    fn lifetime_follows_max_age_within_bounds() {
        assert_eq!(ttl_from_cache_control(Some("public, max-age=3600")), 3600);
        assert_eq!(ttl_from_cache_control(Some("max-age=5")), MIN_TTL_SECS);
        assert_eq!(
            ttl_from_cache_control(Some("max-age=99999999")),
            MAX_TTL_SECS
        );
        assert_eq!(ttl_from_cache_control(Some("no-store")), MIN_TTL_SECS);
        assert_eq!(
            ttl_from_cache_control(Some("max-age=oops")),
            DEFAULT_TTL_SECS
        );
        assert_eq!(ttl_from_cache_control(None), DEFAULT_TTL_SECS);
    }

    #[test]
    fn empty_cache_fetches_and_fresh_cache_is_used() {
        assert_eq!(decide(None, 0, true), JwksAction::Fetch);
        assert_eq!(decide(Some(&fresh(0)), 10, true), JwksAction::UseCached);
    }

    #[test]
    fn expired_cache_fetches_once_and_others_join() {
        let mut s = fresh(0);
        assert_eq!(decide(Some(&s), 600, true), JwksAction::Fetch);
        s.in_flight = true;
        assert_eq!(decide(Some(&s), 600, true), JwksAction::JoinInFlight);
    }

    #[test]
    fn unknown_kid_refetches_at_once_then_at_most_once_per_cooldown() {
        let mut s = fresh(100);
        // Just after a routine fetch, a new key is seen at once.
        assert_eq!(decide(Some(&s), 101, false), JwksAction::Fetch);
        record_fetch(&mut s, 101);
        assert_eq!(
            decide(Some(&s), 101 + REFETCH_COOLDOWN_SECS - 1, false),
            JwksAction::UseCached
        );
        assert_eq!(
            decide(Some(&s), 101 + REFETCH_COOLDOWN_SECS, false),
            JwksAction::Fetch
        );
        let running = CacheState {
            in_flight: true,
            ..s
        };
        assert_eq!(
            decide(Some(&running), 101 + REFETCH_COOLDOWN_SECS, false),
            JwksAction::JoinInFlight
        );
    }

    #[test]
    fn a_routine_fetch_does_not_start_the_unknown_kid_cooldown() {
        let mut s = fresh(0);
        s.expires_at = 0;
        record_fetch(&mut s, 10);
        assert_eq!(s.refetched_at, i64::MIN);
        assert_eq!(s.last_attempt_at, 10);
    }

    #[test]
    fn two_hundred_random_kids_cause_one_refetch_per_cooldown() {
        let mut s = fresh(0);
        let mut fetches = 0;
        for i in 0..200 {
            let now = 31 + i / 10; // 200 tokens over 20 seconds
            match decide(Some(&s), now, false) {
                JwksAction::Fetch => {
                    fetches += 1;
                    record_fetch(&mut s, now);
                }
                JwksAction::UseCached | JwksAction::JoinInFlight => {}
            }
        }
        assert_eq!(fetches, 1);
    }
}
