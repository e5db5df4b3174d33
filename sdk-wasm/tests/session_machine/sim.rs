//! A deterministic world for session machines: N tabs (each with its own clock skew), a
//! BroadcastChannel with a delay, an exclusive Web Lock that is freed when its holder dies,
//! shared storage, and a Worker that rotates refresh tokens with a grace window and revokes
//! the family on reuse after it (CONTRACT "Sessions").

use kith_sdk::error::SdkError;
use kith_sdk::machine::{AuthEvent, Config, Input, Machine, Output, Peer, WaiterId};
use kith_sdk::session::{RefreshToken, Session};
use rand_core::RngCore;
use std::collections::{BTreeMap, VecDeque};

pub type S = Session<String>;

/// A small deterministic generator (xorshift64*).
pub struct Rng(pub u64);

impl RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.iter_mut().for_each(|b| *b = self.next_u32() as u8);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// How the Worker answers the next refresh.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    /// Rotate (or, within the grace window, repeat the successor).
    Normal,
    /// An error answer (nothing rotates); `retry_after` in seconds.
    Status(u16, &'static str, Option<u32>),
    /// The request never reaches the Worker.
    Network,
    /// Rotates, but the answer arrives only after this many ms (or never: `u64::MAX`).
    Slow(u64),
}

pub struct Worker {
    pub lifetime_s: u64,
    pub grace_ms: u64,
    pub script: VecDeque<Reply>,
    /// Real times of the refresh requests that reached the Worker (or tried to).
    pub requests: Vec<u64>,
    /// The tab that sent each of them.
    pub senders: Vec<usize>,
    current: String,
    previous: Option<(String, u64)>,
    revoked: bool,
    issued: u32,
}

impl Worker {
    fn issue(&mut self) -> String {
        self.issued += 1;
        self.current = format!("rt-{}", self.issued);
        self.current.clone()
    }

    fn refresh(&mut self, token: &str, now: u64) -> Result<String, SdkError> {
        let revoked = SdkError::from_worker(401, "invalid_refresh_token", "revoked");
        if self.revoked {
            return Err(revoked);
        }
        if token == self.current {
            self.previous = Some((token.to_owned(), now));
            return Ok(self.issue());
        }
        match &self.previous {
            Some((p, at)) if p == token && now - at <= self.grace_ms => Ok(self.current.clone()),
            _ => {
                self.revoked = true;
                Err(revoked)
            }
        }
    }
}

pub struct Tab {
    pub m: Machine<String>,
    pub skew: i64,
    pub alive: bool,
    pub events: Vec<(AuthEvent, Option<String>)>,
    pub settled: Vec<(WaiterId, Result<String, String>)>,
    pub locks_requested: u32,
    ticks_at: (u64, u32),
}

enum Ev {
    Input(usize, Input<String>),
    Answer(usize, u32, Result<String, SdkError>),
}

pub struct Sim {
    pub now: u64,
    pub tabs: Vec<Tab>,
    pub worker: Worker,
    pub stored: Option<S>,
    pub bus_delay: u64,
    pub http_delay: u64,
    pub broadcasts: u32,
    pub rng: Rng,
    queue: BTreeMap<(u64, u64), Ev>,
    seq: u64,
    holder: Option<usize>,
    waiting: VecDeque<usize>,
    next_waiter: WaiterId,
}

/// Start of the simulated epoch (ms): an ordinary date.
pub const T0: u64 = 1_800_000_000_000;

impl Sim {
    pub fn new() -> Self {
        let worker = Worker {
            lifetime_s: 3600,
            grace_ms: 30_000,
            script: VecDeque::new(),
            requests: Vec::new(),
            senders: Vec::new(),
            current: String::new(),
            previous: None,
            revoked: false,
            issued: 0,
        };
        Self {
            now: T0,
            tabs: Vec::new(),
            worker,
            stored: None,
            bus_delay: 2,
            http_delay: 40,
            broadcasts: 0,
            rng: Rng(0x9e37_79b9_7f4a_7c15),
            queue: BTreeMap::new(),
            seq: 0,
            holder: None,
            waiting: VecDeque::new(),
            next_waiter: 1,
        }
    }

    /// Opens a tab whose clock is `skew` ms off; it reads the stored session.
    pub fn open(&mut self, cfg: Config, skew: i64) -> usize {
        let tab = (self.rng.next_u32(), self.tabs.len());
        self.tabs.push(Tab {
            m: Machine::new(cfg, tab.0, true, true),
            skew,
            alive: true,
            events: Vec::new(),
            settled: Vec::new(),
            locks_requested: 0,
            ticks_at: (0, 0),
        });
        let stored = self.stored.clone();
        self.feed(tab.1, Input::Loaded(stored));
        tab.1
    }

    pub fn local(&self, i: usize) -> u64 {
        self.tabs
            .get(i)
            .map_or(self.now, |t| self.now.saturating_add_signed(t.skew))
    }

    fn session(&self, token: String, received_at: u64) -> S {
        Session {
            access_token: format!("at-{token}"),
            refresh_token: RefreshToken::new(token),
            expires_in: self.worker.lifetime_s,
            expires_at: self.now / 1000 + self.worker.lifetime_s,
            received_at,
            generation: 0,
            user: "alice".into(),
        }
    }

    /// Tab `i` signs in: a new token family at the Worker, stored, then the machine told.
    pub fn sign_in(&mut self, i: usize) -> String {
        self.worker.revoked = false;
        self.worker.previous = None;
        let token = self.worker.issue();
        let session = self.session(token.clone(), self.local(i));
        self.stored = Some(session.clone());
        self.feed(i, Input::SignedIn(session));
        token
    }

    pub fn want(&mut self, i: usize, force: bool) -> WaiterId {
        let id = self.next_waiter;
        self.next_waiter += 1;
        self.feed(i, Input::Want { id, force });
        id
    }

    pub fn feed(&mut self, i: usize, input: Input<String>) {
        let now = self.local(i);
        let Some(tab) = self.tabs.get_mut(i).filter(|t| t.alive) else {
            return;
        };
        let outputs = tab.m.handle(input, now, &mut self.rng);
        for out in outputs {
            self.perform(i, out);
        }
    }

    fn at(&mut self, delay: u64, ev: Ev) {
        self.seq += 1;
        self.queue.insert((self.now + delay, self.seq), ev);
    }

    fn grant_next(&mut self) {
        while let Some(j) = self.waiting.pop_front() {
            if self.tabs[j].alive {
                self.holder = Some(j);
                return self.at(0, Ev::Input(j, Input::LockGranted));
            }
        }
    }

    fn perform(&mut self, i: usize, out: Output<String>) {
        let rt = |s: &S| s.refresh_token.secret().to_owned();
        match out {
            Output::Emit(e, s) => self.tabs[i].events.push((e, s.as_ref().map(rt))),
            Output::Persist(s) => self.stored = s,
            Output::Broadcast(p) => {
                self.broadcasts += 1;
                for j in 0..self.tabs.len() {
                    if j != i && self.tabs[j].alive {
                        self.at(self.bus_delay, Ev::Input(j, Input::Peer(p.clone())));
                    }
                }
            }
            Output::RequestLock { wait } => {
                self.tabs[i].locks_requested += 1;
                match (self.holder, wait) {
                    (None, _) => {
                        self.holder = Some(i);
                        self.at(0, Ev::Input(i, Input::LockGranted));
                    }
                    (Some(_), false) => self.at(0, Ev::Input(i, Input::LockBusy)),
                    (Some(_), true) => self.waiting.push_back(i),
                }
            }
            Output::ReleaseLock => {
                assert_eq!(
                    self.holder,
                    Some(i),
                    "tab {i} released a lock it does not hold"
                );
                self.holder = None;
                self.grant_next();
            }
            Output::Refresh {
                request,
                refresh_token,
            } => self.refresh(i, request, refresh_token),
            Output::Settle(id, r) => {
                let r = r.as_ref().map(rt).map_err(|e| e.code.clone());
                self.tabs[i].settled.push((id, r));
            }
        }
    }

    fn refresh(&mut self, i: usize, request: u32, token: RefreshToken) {
        self.worker.requests.push(self.now);
        self.worker.senders.push(i);
        let reply = self.worker.script.pop_front().unwrap_or(Reply::Normal);
        let (delay, result) = match reply {
            Reply::Normal => (
                self.http_delay,
                self.worker.refresh(token.secret(), self.now),
            ),
            Reply::Status(status, code, retry) => {
                let mut e = SdkError::from_worker(status, code, "scripted");
                e.retry_after_s = retry;
                (self.http_delay, Err(e))
            }
            Reply::Network => (1, Err(SdkError::new("network_error", "offline"))),
            Reply::Slow(ms) => (ms, self.worker.refresh(token.secret(), self.now)),
        };
        if delay != u64::MAX {
            self.at(delay, Ev::Answer(i, request, result));
        }
    }

    /// Closes tab `i`: its pending deliveries vanish and the browser frees its lock.
    pub fn kill(&mut self, i: usize) {
        self.tabs[i].alive = false;
        self.waiting.retain(|&j| j != i);
        if self.holder == Some(i) {
            self.holder = None;
            self.grant_next();
        }
    }

    /// Moves time on without running anything (a machine asleep: no timers fire).
    pub fn sleep(&mut self, ms: u64) {
        self.now += ms;
    }

    fn next_wake(&self) -> Option<(u64, usize)> {
        let wakes = self.tabs.iter().enumerate().filter(|(_, t)| t.alive);
        wakes
            .filter_map(|(i, t)| t.m.wake_at().map(|w| (w.saturating_add_signed(-t.skew), i)))
            .min()
    }

    /// Runs everything due in the next `ms` milliseconds, in time order.
    pub fn run(&mut self, ms: u64) {
        let until = self.now + ms;
        loop {
            let next_ev = self.queue.keys().next().map(|k| k.0);
            let wake = self.next_wake();
            let next = [next_ev, wake.map(|w| w.0)].into_iter().flatten().min();
            match next {
                Some(t) if t <= until => self.now = self.now.max(t),
                _ => break,
            }
            if next_ev.is_some_and(|t| t <= self.now) {
                let Some((_, ev)) = self.queue.pop_first() else {
                    break;
                };
                self.deliver(ev);
            } else if let Some((_, i)) = wake {
                self.tick(i);
            }
        }
        self.now = until;
    }

    fn tick(&mut self, i: usize) {
        let tab = &mut self.tabs[i];
        tab.ticks_at = match tab.ticks_at {
            (t, n) if t == self.now => (t, n + 1),
            _ => (self.now, 1),
        };
        assert!(
            tab.ticks_at.1 < 50,
            "tab {i} spins on its timer at {}",
            self.now
        );
        self.feed(i, Input::Tick);
    }

    fn deliver(&mut self, ev: Ev) {
        match ev {
            Ev::Input(i, input) => self.feed(i, input),
            Ev::Answer(i, request, result) => {
                let received = self.local(i);
                let result = result.map(|token| self.session(token, received));
                self.feed(i, Input::Answer { request, result });
            }
        }
    }

    /// The refresh token each tab holds now (`None`: signed out).
    pub fn tokens(&self) -> Vec<Option<String>> {
        let t = |tab: &Tab| tab.m.stored().map(|s| s.refresh_token.secret().to_owned());
        self.tabs.iter().map(t).collect()
    }

    pub fn count(&self, i: usize, event: AuthEvent) -> usize {
        self.tabs[i]
            .events
            .iter()
            .filter(|(e, _)| *e == event)
            .count()
    }
}

/// Convenience: a peer message built by hand (stale or forged broadcasts).
pub fn peer_session(event: AuthEvent, token: &str, generation: u64) -> Input<String> {
    Input::Peer(Peer::Session {
        event,
        session: Session {
            access_token: format!("at-{token}"),
            refresh_token: RefreshToken::new(token.to_owned()),
            expires_in: 3600,
            expires_at: 0,
            received_at: T0,
            generation,
            user: "mallory".into(),
        },
    })
}
