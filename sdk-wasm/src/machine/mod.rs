//! The session machine: everything the SDK decides about a session, without I/O.
//!
//! States ([`Phase`]): **signed out**, **signed in**, **refreshing**. The machine is fed
//! [`Input`]s with the device's time and a source of randomness and answers with [`Output`]s
//! for its driver to perform: emit an auth event, store or remove the session, post a message
//! to the other tabs, take or release the cross-tab refresh lock, send a refresh request, settle
//! a caller's promise. The driver (`web/`) owns the browser ports; the tests drive several
//! machines over a simulated bus, lock and Worker.
//!
//! Decisions made here:
//! - a refresh is due `margin` before expiry, counted from the local receipt time and the
//!   server's `expires_in` ([`crate::session`]);
//! - automatic refreshes pause while offline or hidden, and resume on the way back;
//! - exactly one tab refreshes: with Web Locks the lock holder (a tab that finds it taken
//!   queues, and on getting it waits [`SETTLE_MS`] for the holder's broadcast before doing
//!   anything itself; the holder keeps the lock [`HOLD_MS`] after broadcasting), without them
//!   the lowest tab id among those that claim within [`CLAIM_MS`] on the BroadcastChannel;
//! - a refresh answered 429, 5xx or not at all backs off exponentially with jitter
//!   ([`crate::backoff`]); callers asking meanwhile get the failure at once (no storm);
//! - a refresh answered 401 (revoked, rotated past its grace) signs out, here and in every tab;
//! - a session from another tab is adopted only when it is newer than ours.

use crate::prelude::*;

mod peers;
mod refresh;

use crate::error::{codes, SdkError};
use crate::session::{RefreshToken, Session};
use rand_core::RngCore;

/// How long a refresh request may take before it counts as failed (network error).
pub const REFRESH_TIMEOUT_MS: u64 = 10_000;
/// How long a tab that got the lock after waiting for it listens for the previous holder's new
/// session before refreshing itself (the broadcast and the lock travel separately).
pub const SETTLE_MS: u64 = 250;
/// How long the refreshing tab keeps the lock after broadcasting its new session.
pub const HOLD_MS: u64 = 250;
/// Without Web Locks: how long a tab's claim to refresh stays open to competing claims.
pub const CLAIM_MS: u64 = 150;
/// Without Web Locks: how long a tab that yielded waits for the winner's session before it
/// concludes the winner died and claims again.
pub const PEER_WAIT_MS: u64 = REFRESH_TIMEOUT_MS + 2_000;

/// How tabs sharing a session agree on who refreshes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coordination {
    /// This tab's session is its own (sessionStorage, memory): no coordination.
    Solo,
    /// The Web Locks API serialises refreshes across tabs.
    Locks,
    /// No Web Locks: tabs claim the refresh on the BroadcastChannel.
    Channel,
}

/// The client's options that concern the session.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub auto_refresh: bool,
    /// How long before expiry to refresh; `None`: a quarter of the life, at most a minute.
    pub margin_ms: Option<u64>,
    pub coordination: Coordination,
}

/// What `onAuthStateChange` reports (`INITIAL_SESSION` is the JS face's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthEvent {
    SignedIn,
    TokenRefreshed,
    SignedOut,
    UserUpdated,
}

impl AuthEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedIn => "SIGNED_IN",
            Self::TokenRefreshed => "TOKEN_REFRESHED",
            Self::SignedOut => "SIGNED_OUT",
            Self::UserUpdated => "USER_UPDATED",
        }
    }
}

/// A caller waiting for a session (`refreshSession`, `getAccessToken`): the driver's promise id.
pub type WaiterId = u32;

/// A message between the tabs of one project.
#[derive(Clone, Debug, PartialEq)]
pub enum Peer<U> {
    /// A tab signed in, refreshed or updated the user: its session.
    Session {
        event: AuthEvent,
        session: Session<U>,
    },
    /// A tab signed out (or its refresh was refused): every tab signs out.
    SignedOut,
    /// Without Web Locks: `tab` is about to refresh the session of generation `gen`
    /// (`held`: it already is refreshing).
    Claim { tab: u32, gen: u64, held: bool },
}

/// What happens to the machine.
#[derive(Debug)]
pub enum Input<U> {
    /// The session read from storage when the client starts.
    Loaded(Option<Session<U>>),
    /// The driver's timer fired (at or after [`Machine::wake_at`]).
    Tick,
    /// This tab signed in; the driver has stored the session already.
    SignedIn(Session<U>),
    /// The Worker answered with a newer user object for the current session.
    UserUpdated(U),
    /// A caller wants a live session; `force`: a new one even if the current is live.
    Want { id: WaiterId, force: bool },
    /// The refresh lock is ours.
    LockGranted,
    /// The refresh lock is held by another tab (answer to `RequestLock { wait: false }`).
    LockBusy,
    /// The answer to `Output::Refresh { request }`, the session stamped with its receipt time.
    Answer {
        request: u32,
        result: Result<Session<U>, SdkError>,
    },
    /// A message from another tab.
    Peer(Peer<U>),
    /// `online` / `offline` events.
    Online(bool),
    /// `visibilitychange`: whether the page is visible.
    Visible(bool),
    /// This tab signed out (the driver has told the Worker).
    SignOut,
}

/// What the driver must do, in order.
#[derive(Debug, PartialEq)]
pub enum Output<U> {
    Emit(AuthEvent, Option<Session<U>>),
    /// Store (or, with `None`, remove) the session.
    Persist(Option<Session<U>>),
    Broadcast(Peer<U>),
    /// Ask for the refresh lock; `wait: false` answers at once with granted or busy.
    RequestLock {
        wait: bool,
    },
    ReleaseLock,
    /// `POST /api/auth/refresh` with this token; answer with `Input::Answer { request }`.
    Refresh {
        request: u32,
        refresh_token: RefreshToken,
    },
    /// Resolve (or reject) a caller's promise.
    Settle(WaiterId, Result<Session<U>, SdkError>),
}

/// The three states of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    SignedOut,
    SignedIn,
    Refreshing,
}

/// Where a refresh stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cycle {
    Idle,
    /// Asked for the lock if it is free.
    Locking,
    /// Another tab had it: queued for it.
    Queued,
    /// Got the lock after waiting: listening for the previous holder's session until then.
    Settling {
        until: u64,
    },
    /// Claimed the refresh on the channel; competing claims are heard until then.
    Claiming {
        until: u64,
    },
    /// Another tab won the claim: waiting for its session until then.
    WaitingPeer {
        until: u64,
    },
    /// The refresh request is out; it times out then.
    Requesting {
        until: u64,
    },
    /// Refreshed and broadcast; the lock is released then.
    Holding {
        until: u64,
    },
}

/// The session machine of one client (one tab).
pub struct Machine<U> {
    cfg: Config,
    tab: u32,
    session: Option<Session<U>>,
    online: bool,
    visible: bool,
    cycle: Cycle,
    lock_held: bool,
    /// The refresh token the current cycle set out to replace.
    wanted: Option<RefreshToken>,
    /// The request out now (only while `Requesting`) and the token it presented.
    in_flight: Option<(u32, RefreshToken)>,
    /// A request given up on (timed out, or overtaken): its success is still adopted if
    /// nothing newer arrived, since the Worker has rotated the token by then.
    late: Option<(u32, RefreshToken)>,
    next_request: u32,
    waiters: Vec<WaiterId>,
    attempt: u32,
    retry_at: Option<u64>,
    last_error: Option<SdkError>,
    out: Vec<Output<U>>,
}

impl<U: Clone> Machine<U> {
    /// A machine for tab `tab` (a random id; it breaks ties between claims).
    pub fn new(cfg: Config, tab: u32, online: bool, visible: bool) -> Self {
        Self {
            cfg,
            tab,
            session: None,
            online,
            visible,
            cycle: Cycle::Idle,
            lock_held: false,
            wanted: None,
            in_flight: None,
            late: None,
            next_request: 1,
            waiters: Vec::new(),
            attempt: 0,
            retry_at: None,
            last_error: None,
            out: Vec::new(),
        }
    }

    /// Feeds one input at device time `now` (ms since the epoch); returns what to do.
    pub fn handle(&mut self, input: Input<U>, now: u64, rng: &mut dyn RngCore) -> Vec<Output<U>> {
        match input {
            Input::Loaded(session) => self.session = session,
            Input::Tick => self.on_tick(now, rng),
            Input::SignedIn(session) => self.on_signed_in(session),
            Input::UserUpdated(user) => self.on_user(user),
            Input::Want { id, force } => self.on_want(id, force, now),
            Input::LockGranted => self.on_lock(true, now),
            Input::LockBusy => self.on_lock(false, now),
            Input::Answer { request, result } => self.on_answer(request, result, now, rng),
            Input::Peer(peer) => self.on_peer(peer, now),
            Input::Online(online) => self.on_online(online),
            Input::Visible(visible) => self.visible = visible,
            Input::SignOut => {
                let why = SdkError::new(codes::INVALID_REFRESH_TOKEN, "signed out");
                self.sign_out(why, true);
            }
        }
        self.maybe_start(now);
        core::mem::take(&mut self.out)
    }

    /// The session, only while its access token is live (never an expired one).
    pub fn session(&self, now: u64) -> Option<&Session<U>> {
        self.session.as_ref().filter(|s| s.is_live(now))
    }

    /// The session whatever its expiry (to authorize a sign-out).
    pub fn stored(&self) -> Option<&Session<U>> {
        self.session.as_ref()
    }

    pub fn phase(&self) -> Phase {
        match (&self.session, self.cycle) {
            (None, _) => Phase::SignedOut,
            (Some(_), Cycle::Idle | Cycle::Holding { .. }) => Phase::SignedIn,
            (Some(_), _) => Phase::Refreshing,
        }
    }

    /// Whether this tab holds the refresh lock now.
    pub fn holds_lock(&self) -> bool {
        self.lock_held
    }

    /// When to feed the next [`Input::Tick`], if ever: a deadline of the current refresh, or
    /// the next automatic refresh (none while paused: `Online`/`Visible` resume it).
    pub fn wake_at(&self) -> Option<u64> {
        match self.cycle {
            Cycle::Settling { until }
            | Cycle::Claiming { until }
            | Cycle::WaitingPeer { until }
            | Cycle::Requesting { until }
            | Cycle::Holding { until } => Some(until),
            Cycle::Locking | Cycle::Queued => None,
            Cycle::Idle => {
                let s = self.session.as_ref()?;
                let running = self.cfg.auto_refresh && self.online && self.visible;
                let due = s.due_at(self.cfg.margin_ms);
                running.then(|| due.max(self.retry_at.unwrap_or(0)))
            }
        }
    }

    /// Tells the other tabs, unless this tab's session is its own.
    fn broadcast(&mut self, peer: Peer<U>) {
        if self.cfg.coordination != Coordination::Solo {
            self.out.push(Output::Broadcast(peer));
        }
    }

    fn settle_all(&mut self, result: &Result<Session<U>, SdkError>) {
        for id in core::mem::take(&mut self.waiters) {
            self.out.push(Output::Settle(id, result.clone()));
        }
    }

    fn reset_backoff(&mut self) {
        self.attempt = 0;
        self.retry_at = None;
        self.last_error = None;
    }

    fn on_signed_in(&mut self, session: Session<U>) {
        self.session = Some(session.clone());
        self.reset_backoff();
        self.finish();
        self.broadcast(Peer::Session {
            event: AuthEvent::SignedIn,
            session: session.clone(),
        });
        self.out
            .push(Output::Emit(AuthEvent::SignedIn, Some(session.clone())));
        self.settle_all(&Ok(session));
    }

    fn on_user(&mut self, user: U) {
        let Some(current) = self.session.as_mut() else {
            return;
        };
        current.user = user;
        let session = current.clone();
        self.out.push(Output::Persist(Some(session.clone())));
        self.broadcast(Peer::Session {
            event: AuthEvent::UserUpdated,
            session: session.clone(),
        });
        self.out
            .push(Output::Emit(AuthEvent::UserUpdated, Some(session)));
    }

    /// Ends the session: `local` when this tab decided it (it then clears the storage and
    /// tells the other tabs), not when another tab did.
    fn sign_out(&mut self, why: SdkError, local: bool) {
        let had = self.session.take().is_some();
        if local {
            self.out.push(Output::Persist(None));
            self.broadcast(Peer::SignedOut);
        }
        if had {
            self.out.push(Output::Emit(AuthEvent::SignedOut, None));
        }
        self.settle_all(&Err(why));
        self.reset_backoff();
        self.finish();
    }

    fn on_online(&mut self, online: bool) {
        let back = online && !self.online;
        self.online = online;
        // Network errors while offline say nothing about the Worker: retry as soon as we are
        // back. A 429 or 5xx back-off stands.
        let offline_failure = self
            .last_error
            .as_ref()
            .is_some_and(|e| e.code == codes::NETWORK_ERROR);
        if back && offline_failure {
            self.retry_at = None;
        }
    }
}
