//! How long to wait after a failed refresh: exponential back-off with "equal jitter".
//!
//! Attempt `n` waits a uniformly random time in `[e/2, e)` with `e = min(BASE · 2^(n-1), CAP)`,
//! and at least the server's `Retry-After`. The random half spreads the tabs and devices behind
//! one rate limit over the window instead of letting them retry in lock step (the 429 storm of
//! a fixed 5-second retry); the fixed half keeps any one client from retrying at once.

/// The first retry waits 1-2 s.
pub const BASE_MS: u64 = 2_000;
/// Retries wait at most 2.5-5 minutes.
pub const CAP_MS: u64 = 300_000;
/// A `Retry-After` longer than this is not believed (a broken proxy must not park the SDK).
pub const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// The wait before retry number `attempt` (1 for the first retry). `random` is a uniformly
/// random `u32` (the caller's randomness); `retry_after_s` the server's hint, if any.
pub fn delay_ms(attempt: u32, random: u32, retry_after_s: Option<u32>) -> u64 {
    let doublings = attempt.saturating_sub(1).min(20);
    let ceiling = BASE_MS.saturating_mul(1 << doublings).min(CAP_MS);
    let half = ceiling / 2;
    // half · random / 2^32 < half: the jitter never reaches the ceiling.
    let jitter = (half * u64::from(random)) >> 32;
    let floor = retry_after_s
        .map_or(0, |s| u64::from(s).saturating_mul(1000))
        .min(MAX_RETRY_AFTER_MS);
    (half + jitter).max(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_per_attempt_within_jitter_bounds_and_stops_at_the_cap() {
        let mut ceiling = BASE_MS;
        for attempt in 1..=12 {
            let (lo, hi) = (
                delay_ms(attempt, 0, None),
                delay_ms(attempt, u32::MAX, None),
            );
            assert_eq!(lo, ceiling / 2, "attempt {attempt}");
            assert!(hi < ceiling && hi >= ceiling - 1, "attempt {attempt}: {hi}");
            ceiling = (ceiling * 2).min(CAP_MS);
        }
        assert_eq!(delay_ms(1000, 0, None), CAP_MS / 2);
    }

    #[test]
    fn retry_after_is_a_floor_but_an_absurd_one_is_capped() {
        assert_eq!(delay_ms(1, 0, Some(30)), 30_000);
        assert_eq!(delay_ms(1, 0, Some(u32::MAX)), MAX_RETRY_AFTER_MS);
        assert_eq!(delay_ms(1, 0, Some(0)), BASE_MS / 2);
    }
}
