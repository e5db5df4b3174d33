//! Tabs that share one session: one refresh for all, hand-over, deaths, sign-out everywhere.

use crate::sim::{peer_session, Reply, Sim};
use crate::timing::cfg;
use kith_sdk::machine::{AuthEvent, Config, Coordination, Input, SETTLE_MS};

fn open_n(sim: &mut Sim, config: Config, n: usize) -> Vec<usize> {
    (0..n).map(|_| sim.open(config, 0)).collect()
}

fn channel(margin_s: Option<u64>) -> Config {
    Config {
        coordination: Coordination::Channel,
        ..cfg(margin_s)
    }
}

#[test]
fn two_tabs_due_together_send_one_refresh_and_end_with_the_same_session() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(Some(3597)), 0);
    sim.sign_in(a);
    let b = sim.open(cfg(Some(3597)), 0);
    sim.run(4_500); // due after 3 s, and again 3 s after that
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tokens(), vec![Some("rt-2".into()), Some("rt-2".into())]);
    assert_eq!(sim.count(a, AuthEvent::TokenRefreshed), 1);
    assert_eq!(sim.count(b, AuthEvent::TokenRefreshed), 1);
}

#[test]
fn ten_tabs_with_web_locks_send_one_refresh() {
    let mut sim = Sim::new();
    let tabs = open_n(&mut sim, cfg(None), 1);
    sim.sign_in(tabs[0]);
    let tabs = [tabs, open_n(&mut sim, cfg(None), 9)].concat();
    sim.run(3_600_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert!(sim.tokens().iter().all(|t| t.as_deref() == Some("rt-2")));
    assert!(tabs
        .iter()
        .all(|&t| sim.count(t, AuthEvent::TokenRefreshed) == 1));
}

#[test]
fn ten_tabs_without_web_locks_claim_on_the_channel_and_send_one_refresh() {
    let mut sim = Sim::new();
    let first = sim.open(channel(None), 0);
    sim.sign_in(first);
    open_n(&mut sim, channel(None), 9);
    sim.run(3_600_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert!(sim.tokens().iter().all(|t| t.as_deref() == Some("rt-2")));
    assert!(
        sim.tabs.iter().all(|t| t.locks_requested == 0),
        "no Web Locks used"
    );
}

#[test]
fn a_tab_that_gets_the_lock_after_waiting_adopts_the_broadcast_instead_of_refreshing() {
    let mut sim = Sim::new();
    // The broadcast is slower than the lock hand-over, but within the settle window.
    sim.bus_delay = SETTLE_MS / 2 + 200;
    let a = sim.open(cfg(Some(3597)), 0);
    sim.sign_in(a);
    let b = sim.open(cfg(Some(3597)), 0);
    sim.run(4_500);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tokens(), vec![Some("rt-2".into()), Some("rt-2".into())]);
    assert_eq!(sim.count(b, AuthEvent::SignedOut), 0);
}

#[test]
fn a_lock_holder_that_dies_mid_refresh_lets_the_next_tab_refresh_within_the_grace() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(Some(3597)), 0);
    sim.sign_in(a);
    let b = sim.open(cfg(Some(3597)), 0);
    // A's request reaches the Worker (the token rotates) but A is closed before the answer.
    sim.worker.script.push_back(Reply::Slow(u64::MAX));
    sim.run(3_010);
    assert_eq!(sim.worker.requests.len(), 1);
    let holder = sim.worker.senders[0];
    assert!(sim.tabs[holder].m.holds_lock());
    let other = a + b - holder;
    sim.kill(holder);
    sim.run(1_000);
    assert_eq!(sim.worker.requests.len(), 2, "the survivor refreshed");
    assert_eq!(
        sim.tokens()[other].as_deref(),
        Some("rt-2"),
        "same successor: not signed out"
    );
    assert_eq!(sim.count(other, AuthEvent::SignedOut), 0);
}

#[test]
fn a_claim_winner_that_dies_is_replaced_after_the_peer_wait() {
    let mut sim = Sim::new();
    let a = sim.open(channel(None), 0);
    sim.sign_in(a);
    let b = sim.open(channel(None), 0);
    sim.worker.script.push_back(Reply::Slow(u64::MAX));
    sim.run(3_540_500);
    assert_eq!(sim.worker.requests.len(), 1);
    let winner = sim.worker.senders[0];
    sim.kill(winner);
    sim.run(20_000);
    assert_eq!(sim.worker.requests.len(), 2);
    assert_eq!(sim.tokens()[a + b - winner].as_deref(), Some("rt-2"));
}

#[test]
fn refresh_session_in_a_waiting_tab_resolves_to_the_refreshing_tabs_new_session() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    let b = sim.open(cfg(None), 0);
    sim.want(a, true);
    let asked = sim.want(b, true); // b finds the lock taken
    sim.run(2_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tabs[b].settled, vec![(asked, Ok("rt-2".to_owned()))]);
}

#[test]
fn sign_out_in_one_tab_signs_out_every_tab_and_rejects_their_waiters() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    let b = sim.open(cfg(None), 0);
    sim.worker.script.push_back(Reply::Slow(5_000));
    let waiting = sim.want(b, true);
    sim.run(100);
    sim.feed(a, Input::SignOut);
    sim.run(10_000);
    assert_eq!(sim.tokens(), vec![None, None]);
    assert!(sim.stored.is_none());
    assert_eq!(sim.count(b, AuthEvent::SignedOut), 1);
    assert_eq!(
        sim.tabs[b].settled,
        vec![(waiting, Err("invalid_refresh_token".into()))]
    );
    assert_eq!(
        sim.count(b, AuthEvent::TokenRefreshed),
        0,
        "the late answer is moot"
    );
}

#[test]
fn a_stale_refresh_broadcast_does_not_roll_back_a_newer_session() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    sim.want(a, true);
    sim.run(1_000);
    sim.want(a, true);
    sim.run(1_000);
    assert_eq!(sim.tabs[a].m.stored().unwrap().generation, 2);
    // A broadcast of the first refresh arrives late.
    sim.feed(a, peer_session(AuthEvent::TokenRefreshed, "rt-2", 1));
    assert_eq!(sim.tokens()[a].as_deref(), Some("rt-3"));
    assert_eq!(sim.count(a, AuthEvent::TokenRefreshed), 2);
}

#[test]
fn after_the_clock_is_set_back_the_tabs_refresh_once_and_adopt_the_older_looking_session() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.sign_in(a);
    let b = sim.open(cfg(None), 0);
    // The device clock goes back an hour: every stored session now seems to come from the
    // future, and the refreshed one looks older than the one it replaces.
    for tab in [a, b] {
        sim.tabs[tab].skew = -3_600_000;
        sim.feed(tab, Input::Visible(true));
    }
    sim.run(1_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tokens(), vec![Some("rt-2".into()), Some("rt-2".into())]);
    sim.run(3_000_000);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(
        sim.count(a, AuthEvent::SignedOut) + sim.count(b, AuthEvent::SignedOut),
        0
    );
}

#[test]
fn a_refresh_broadcast_does_not_revive_a_signed_out_tab_but_a_sign_in_does() {
    let mut sim = Sim::new();
    let a = sim.open(cfg(None), 0);
    sim.feed(a, peer_session(AuthEvent::TokenRefreshed, "rt-x", 1));
    sim.feed(a, peer_session(AuthEvent::UserUpdated, "rt-x", 1));
    assert_eq!(sim.tokens()[a], None);
    sim.feed(a, peer_session(AuthEvent::SignedIn, "rt-y", 0));
    assert_eq!(sim.tokens()[a].as_deref(), Some("rt-y"));
    assert_eq!(
        sim.tabs[a].events,
        vec![(AuthEvent::SignedIn, Some("rt-y".into()))]
    );
}

#[test]
fn tabs_with_their_own_session_refresh_alone_without_locks_or_broadcasts() {
    let mut sim = Sim::new();
    let solo = Config {
        coordination: Coordination::Solo,
        ..cfg(None)
    };
    let a = sim.open(solo, 0);
    sim.sign_in(a);
    sim.run(3_600_000);
    sim.feed(a, Input::SignOut);
    assert_eq!(sim.worker.requests.len(), 1);
    assert_eq!(sim.tabs[a].locks_requested, 0);
    assert_eq!(sim.broadcasts, 0);
}
