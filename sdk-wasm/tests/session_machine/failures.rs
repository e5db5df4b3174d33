//! Refreshes that fail: revoked, rate limited, broken, slow, overtaken.

use crate::sim::{Reply, Sim};
use crate::timing::cfg;
use kith_sdk::backoff::{BASE_MS, CAP_MS};
use kith_sdk::machine::{AuthEvent, Input, Phase, REFRESH_TIMEOUT_MS};

const RATE_LIMITED: Reply = Reply::Status(429, "rate_limited", None);

/// Signs in one tab and runs until 3 s before its refresh is due (3540 s after receipt); the
/// next one is due an hour later, beyond every test's horizon.
fn due_soon(sim: &mut Sim) -> usize {
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    sim.run(3_537_000);
    assert!(sim.worker.requests.is_empty());
    a
}

#[test]
fn a_refresh_answered_401_signs_out_here_and_in_every_tab() {
    let mut sim = Sim::new();
    let a = due_soon(&mut sim);
    let b = sim.open(cfg(None), 0);
    sim.worker
        .script
        .push_back(Reply::Status(401, "invalid_refresh_token", None));
    let waiter = sim.want(b, true);
    sim.run(10_000);
    assert_eq!(sim.tokens(), vec![None, None]);
    assert!(sim.stored.is_none(), "storage cleared");
    assert_eq!(sim.count(a, AuthEvent::SignedOut), 1);
    assert_eq!(sim.count(b, AuthEvent::SignedOut), 1);
    assert_eq!(
        sim.tabs[b].settled,
        vec![(waiter, Err("invalid_refresh_token".into()))]
    );
    sim.run(3_600_000);
    assert_eq!(
        sim.worker.requests.len(),
        1,
        "nothing more after the sign-out"
    );
}

#[test]
fn rate_limited_refreshes_back_off_exponentially_within_the_jitter_bounds() {
    let mut sim = Sim::new();
    due_soon(&mut sim);
    sim.worker.script.extend([RATE_LIMITED; 10]);
    sim.run(1_800_000);
    let r = &sim.worker.requests;
    assert_eq!(r.len(), 11, "ten refusals, then success");
    let mut ceiling = BASE_MS;
    for (n, gap) in r
        .windows(2)
        .map(|w| w[1] - w[0] - sim.http_delay)
        .enumerate()
    {
        assert!(
            gap >= ceiling / 2 && gap < ceiling,
            "retry {}: {gap} ms",
            n + 1
        );
        ceiling = (ceiling * 2).min(CAP_MS);
    }
    assert_eq!(sim.count(0, AuthEvent::SignedOut), 0, "429 never signs out");
}

#[test]
fn backed_off_retries_of_two_devices_do_not_stay_in_lock_step() {
    let gaps = |seed: u64| {
        let mut sim = Sim::new();
        sim.rng.0 = seed;
        due_soon(&mut sim);
        sim.worker.script.extend([RATE_LIMITED; 5]);
        sim.run(600_000);
        sim.worker
            .requests
            .windows(2)
            .map(|w| w[1] - w[0])
            .collect::<Vec<_>>()
    };
    assert_ne!(gaps(1), gaps(2), "jitter differs between clients");
}

#[test]
fn a_retry_after_from_the_worker_is_waited_for() {
    let mut sim = Sim::new();
    due_soon(&mut sim);
    sim.worker
        .script
        .push_back(Reply::Status(429, "rate_limited", Some(90)));
    sim.run(600_000);
    let r = &sim.worker.requests;
    assert!(r[1] - r[0] >= 90_000, "{} ms", r[1] - r[0]);
}

#[test]
fn server_errors_and_network_errors_back_off_too() {
    let mut sim = Sim::new();
    let a = due_soon(&mut sim);
    sim.worker.script.extend([
        Reply::Status(503, "provider_unavailable", None),
        Reply::Status(500, "server_error", None),
        Reply::Network,
    ]);
    sim.run(60_000);
    let r = &sim.worker.requests;
    assert_eq!(r.len(), 4);
    assert!(
        r[3] - r[2] >= 2 * BASE_MS - 1000,
        "third retry waited: {:?}",
        r
    );
    assert_eq!(sim.tokens()[a].as_deref(), Some("rt-2"));
}

#[test]
fn a_storm_of_get_access_token_calls_on_an_expired_session_sends_one_refresh() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    sim.feed(a, Input::Visible(false)); // no automatic refresh
    sim.run(2 * 3_600_000);
    let ids: Vec<u32> = (0..100).map(|_| sim.want(a, false)).collect();
    sim.run(1_000);
    assert_eq!(sim.worker.requests.len(), 1);
    let settled: Vec<u32> = sim.tabs[a].settled.iter().map(|s| s.0).collect();
    assert_eq!(settled, ids);
    assert!(sim.tabs[a].settled.iter().all(|s| s.1 == Ok("rt-2".into())));
}

#[test]
fn callers_during_a_back_off_get_the_error_at_once_and_send_nothing() {
    let mut sim = Sim::new();
    let a = due_soon(&mut sim);
    sim.worker.script.push_back(RATE_LIMITED);
    sim.run(3_100);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tabs[a].m.phase(), Phase::SignedIn, "idle, backing off");
    for _ in 0..50 {
        sim.want(a, true);
    }
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tabs[a].settled.len(), 50);
    assert!(sim.tabs[a]
        .settled
        .iter()
        .all(|s| s.1 == Err("rate_limited".into())));
}

#[test]
fn a_refresh_that_never_answers_times_out_and_its_late_success_is_still_adopted() {
    let mut sim = Sim::new();
    let a = due_soon(&mut sim);
    sim.worker
        .script
        .push_back(Reply::Slow(REFRESH_TIMEOUT_MS + 500));
    let waiter = sim.want(a, true);
    sim.run(REFRESH_TIMEOUT_MS + 100);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(
        sim.tabs[a].settled,
        vec![(waiter, Err("network_error".into()))]
    );
    assert_eq!(sim.tabs[a].m.phase(), Phase::SignedIn, "idle, backing off");
    sim.run(1_000);
    // The Worker rotated the token: dropping its answer would strand the session.
    assert_eq!(sim.tokens()[a].as_deref(), Some("rt-2"));
    assert_eq!(sim.count(a, AuthEvent::TokenRefreshed), 1);
}

#[test]
fn a_refresh_answered_after_sign_out_does_not_sign_the_user_back_in() {
    let mut sim = Sim::new();
    let a = due_soon(&mut sim);
    sim.worker.script.push_back(Reply::Slow(2_000));
    sim.run(3_100);
    sim.feed(a, Input::SignOut);
    sim.run(5_000);
    assert_eq!(sim.tokens()[a], None);
    assert!(sim.stored.is_none());
    assert_eq!(sim.count(a, AuthEvent::TokenRefreshed), 0);
}

#[test]
fn a_sign_in_during_a_refresh_wins_over_the_refresh_answer() {
    let mut sim = Sim::new();
    let a = due_soon(&mut sim);
    sim.worker.script.push_back(Reply::Slow(2_000));
    sim.run(3_100);
    let new = sim.sign_in(a);
    sim.run(5_000);
    assert_eq!(sim.tokens()[a], Some(new));
    assert_eq!(sim.count(a, AuthEvent::TokenRefreshed), 0);
}

#[test]
fn back_online_after_network_errors_retries_at_once_but_a_429_back_off_stands() {
    let mut sim = Sim::new();
    let a = due_soon(&mut sim);
    sim.worker.script.extend([Reply::Network; 3]);
    sim.run(10_000);
    let tried = sim.worker.requests.len();
    assert!(tried >= 3, "{tried}");
    sim.feed(a, Input::Online(false));
    sim.feed(a, Input::Online(true));
    sim.run(100);
    assert_eq!(
        sim.worker.requests.len(),
        tried + 1,
        "retried on the online event"
    );

    let mut sim = Sim::new();
    let a = due_soon(&mut sim);
    sim.worker
        .script
        .push_back(Reply::Status(429, "rate_limited", Some(600)));
    sim.run(4_000);
    sim.feed(a, Input::Online(false));
    sim.feed(a, Input::Online(true));
    sim.run(60_000);
    assert_eq!(
        sim.worker.requests.len(),
        1,
        "the rate limit's back-off stands"
    );
}

#[test]
fn a_success_resets_the_back_off() {
    let mut sim = Sim::new();
    due_soon(&mut sim);
    sim.worker.script.extend([RATE_LIMITED; 6]);
    sim.run(1_200_000);
    assert_eq!(sim.worker.requests.len(), 7, "six refusals, then success");
    // The next refresh, an hour later, is refused once: its retry waits the first step again.
    sim.worker.script.push_back(RATE_LIMITED);
    sim.run(3_600_000);
    let r = &sim.worker.requests;
    assert_eq!(r.len(), 9);
    let retry = r[8] - r[7] - sim.http_delay;
    assert!(retry < BASE_MS, "the first retry's wait again: {retry} ms");
}
