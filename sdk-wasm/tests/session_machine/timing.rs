//! When refreshes happen: from `expires_in` and the local receipt time, on any device clock.

use crate::sim::{Sim, T0};
use kith_sdk::machine::{AuthEvent, Config, Coordination, Input, Phase};
use kith_sdk::session::MIN_REFRESH_AGE_MS;

pub fn cfg(margin_s: Option<u64>) -> Config {
    Config {
        auto_refresh: true,
        margin_ms: margin_s.map(|s| s * 1000),
        coordination: Coordination::Locks,
    }
}

#[test]
fn refreshes_once_a_margin_before_expiry_counted_from_local_receipt() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(Some(600)), 0);
    sim.sign_in(a);
    sim.run(3_000_000 - 1_000);
    assert!(sim.worker.requests.is_empty(), "not before 3000 s");
    sim.run(2_000);
    assert_eq!(sim.worker.requests, vec![T0 + 3_000_000]);
    assert_eq!(sim.count(a, AuthEvent::TokenRefreshed), 1);
    assert_eq!(sim.stored.as_ref().unwrap().refresh_token.secret(), "rt-2");
}

#[test]
fn a_device_clock_three_hours_ahead_schedules_from_expires_in_not_expires_at() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 3 * 3_600_000);
    sim.sign_in(a);
    // The server's expires_at is already two hours "past" on this clock.
    let s = sim.tabs[a].m.stored().unwrap().clone();
    assert!(s.expires_at * 1000 < sim.local(a));
    assert!(
        sim.tabs[a].m.session(sim.local(a)).is_some(),
        "live on the device's clock"
    );
    sim.run(3_000_000);
    assert!(sim.worker.requests.is_empty(), "no refresh storm");
    sim.run(600_000);
    assert_eq!(
        sim.worker.requests.len(),
        1,
        "one refresh, 60 s before local expiry"
    );
}

#[test]
fn a_device_clock_set_back_after_receipt_refreshes_once_instead_of_waiting_hours() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    // The user sets the clock back two hours: the session now seems to come from the future.
    sim.tabs[a].skew = -2 * 3_600_000;
    assert!(
        sim.tabs[a].m.session(sim.local(a)).is_none(),
        "unknown age: not live"
    );
    sim.feed(a, Input::Visible(true));
    sim.run(10_000);
    assert_eq!(sim.worker.requests.len(), 1);
    sim.run(3_000_000);
    assert_eq!(
        sim.worker.requests.len(),
        1,
        "the new session is timed on the new clock"
    );
    assert!(sim.tabs[a].m.session(sim.local(a)).is_some());
}

#[test]
fn a_laptop_that_sleeps_past_expiry_refreshes_once_on_wake_and_hides_the_expired_token() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    sim.run(60_000);
    sim.sleep(5 * 3_600_000); // lid closed: no timer fires
    assert!(
        sim.tabs[a].m.session(sim.local(a)).is_none(),
        "expired while asleep"
    );
    assert!(sim.worker.requests.is_empty());
    sim.run(1); // the overdue timer fires on wake
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tabs[a].m.phase(), Phase::Refreshing);
    sim.run(1_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert!(sim.tabs[a].m.session(sim.local(a)).is_some());
    assert_eq!(sim.count(a, AuthEvent::TokenRefreshed), 1);
}

#[test]
fn a_stored_session_that_expired_while_the_browser_was_closed_is_refreshed_on_load() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    sim.kill(a);
    sim.sleep(2 * 3_600_000);
    let b = sim.open(cfg(None), 0);
    assert!(
        sim.tabs[b].m.session(sim.local(b)).is_none(),
        "never handed out expired"
    );
    assert!(sim.tabs[b].m.stored().is_some());
    sim.run(1_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert!(sim.tabs[b].m.session(sim.local(b)).is_some());
}

#[test]
fn with_auto_refresh_off_nothing_refreshes_until_an_access_token_is_asked_for() {
    let mut sim = Sim::new();
    let a = sim.open(
        Config {
            auto_refresh: false,
            ..cfg(None)
        },
        0,
    );
    sim.sign_in(a);
    sim.run(4 * 3_600_000);
    assert!(sim.worker.requests.is_empty());
    let id = sim.want(a, false);
    sim.run(1_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tabs[a].settled, vec![(id, Ok("rt-2".to_owned()))]);
}

#[test]
fn a_margin_longer_than_the_lifetime_cannot_make_a_refresh_loop() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(Some(10 * 3600)), 0);
    sim.sign_in(a);
    sim.run(60_000);
    let n = sim.worker.requests.len() as u64;
    assert!(
        (1..=60_000 / MIN_REFRESH_AGE_MS).contains(&n),
        "{n} refreshes in a minute"
    );
    let gaps = sim.worker.requests.windows(2).map(|w| w[1] - w[0]);
    assert!(gaps.into_iter().all(|g| g >= MIN_REFRESH_AGE_MS));
}

#[test]
fn refreshes_pause_while_offline_or_hidden_and_resume_once_on_return() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(Some(3598)), 0); // due 2 s after receipt
    sim.sign_in(a);
    sim.feed(a, Input::Online(false));
    sim.run(3_500);
    assert!(sim.worker.requests.is_empty(), "nothing while offline");
    sim.feed(a, Input::Visible(false));
    sim.feed(a, Input::Online(true));
    sim.run(3_500);
    assert!(sim.worker.requests.is_empty(), "nothing while hidden");
    sim.feed(a, Input::Visible(true));
    sim.run(1_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.count(a, AuthEvent::TokenRefreshed), 1);
}

#[test]
fn a_storm_of_online_and_visibility_events_sends_one_refresh() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    sim.feed(a, Input::Online(false));
    sim.run(3_600_000);
    for _ in 0..100 {
        sim.feed(a, Input::Online(true));
        sim.feed(a, Input::Visible(false));
        sim.feed(a, Input::Visible(true));
    }
    sim.run(5_000);
    assert_eq!(sim.worker.requests.len(), 1);
}
