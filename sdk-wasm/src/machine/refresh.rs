//! The refresh cycle: who refreshes, when, and what its answer does.

use super::{AuthEvent, Coordination, Cycle, Machine, Output, Peer, CLAIM_MS, HOLD_MS};
use super::{PEER_WAIT_MS, REFRESH_TIMEOUT_MS, SETTLE_MS};
use crate::backoff;
use crate::error::{codes, SdkError};
use crate::session::Session;
use rand_core::RngCore;

impl<U: Clone> Machine<U> {
    pub(super) fn on_want(&mut self, id: u32, force: bool, now: u64) {
        let Some(session) = &self.session else {
            let code = if force {
                codes::INVALID_REFRESH_TOKEN
            } else {
                codes::INVALID_TOKEN
            };
            let why = SdkError::new(code, "not signed in");
            return self.out.push(super::Output::Settle(id, Err(why)));
        };
        // A live token, or one refreshed a moment ago (still holding the lock), will do.
        if (!force && session.is_live(now)) || matches!(self.cycle, Cycle::Holding { .. }) {
            let live = Ok(session.clone());
            return self.out.push(Output::Settle(id, live));
        }
        if self.cycle != Cycle::Idle {
            return self.waiters.push(id);
        }
        // Backing off: the caller learns why at once; asking again sends nothing.
        if let (Some(at), Some(why)) = (self.retry_at, &self.last_error) {
            if now < at {
                return self.out.push(Output::Settle(id, Err(why.clone())));
            }
        }
        self.waiters.push(id);
        self.start(now);
    }

    /// Starts an automatic refresh when one is due and nothing stands in the way.
    pub(super) fn maybe_start(&mut self, now: u64) {
        let Some(session) = &self.session else {
            return;
        };
        let paused = !self.cfg.auto_refresh || !self.online || !self.visible;
        let backing_off = self.retry_at.is_some_and(|at| now < at);
        if self.cycle == Cycle::Idle
            && !paused
            && !backing_off
            && session.is_due(now, self.cfg.margin_ms)
        {
            self.start(now);
        }
    }

    fn start(&mut self, now: u64) {
        let Some(session) = &self.session else {
            return;
        };
        self.wanted = Some(session.refresh_token.clone());
        match self.cfg.coordination {
            Coordination::Solo => self.send(now),
            Coordination::Locks => {
                self.cycle = Cycle::Locking;
                self.out.push(Output::RequestLock { wait: false });
            }
            Coordination::Channel => {
                let gen = session.generation;
                self.cycle = Cycle::Claiming {
                    until: now.saturating_add(CLAIM_MS),
                };
                let claim = Peer::Claim {
                    tab: self.tab,
                    gen,
                    held: false,
                };
                self.broadcast(claim);
            }
        }
    }

    /// Whether the session this cycle set out to refresh has been replaced (or ended).
    pub(super) fn superseded(&self) -> bool {
        self.session.as_ref().map(|s| &s.refresh_token) != self.wanted.as_ref()
    }

    fn send(&mut self, now: u64) {
        let Some(session) = &self.session else {
            return self.finish();
        };
        let request = self.next_request;
        self.next_request = request.wrapping_add(1);
        let refresh_token = session.refresh_token.clone();
        self.in_flight = Some((request, refresh_token.clone()));
        self.cycle = Cycle::Requesting {
            until: now.saturating_add(REFRESH_TIMEOUT_MS),
        };
        self.out.push(Output::Refresh {
            request,
            refresh_token,
        });
    }

    /// Back to idle, releasing the lock; a request still out becomes a late one.
    pub(super) fn finish(&mut self) {
        self.cycle = Cycle::Idle;
        self.wanted = None;
        if let Some(request) = self.in_flight.take() {
            self.late = Some(request);
        }
        if self.lock_held {
            self.lock_held = false;
            self.out.push(Output::ReleaseLock);
        }
    }

    pub(super) fn on_lock(&mut self, granted: bool, now: u64) {
        match (granted, self.cycle) {
            (true, Cycle::Locking | Cycle::Queued) if self.superseded() => {
                self.lock_held = true;
                self.finish();
            }
            (true, Cycle::Locking) => {
                self.lock_held = true;
                self.send(now);
            }
            (true, Cycle::Queued) => {
                self.lock_held = true;
                self.cycle = Cycle::Settling {
                    until: now.saturating_add(SETTLE_MS),
                };
            }
            // A grant nobody waits for any more (the session arrived from the holder).
            (true, _) => self.out.push(Output::ReleaseLock),
            (false, Cycle::Locking) => {
                self.cycle = Cycle::Queued;
                self.out.push(Output::RequestLock { wait: true });
            }
            (false, _) => {}
        }
    }

    pub(super) fn on_tick(&mut self, now: u64, rng: &mut dyn RngCore) {
        match self.cycle {
            Cycle::Settling { until } | Cycle::Claiming { until } if now >= until => {
                if self.superseded() {
                    self.finish();
                } else {
                    self.send(now);
                }
            }
            // The tab that won the claim never delivered: it died or hangs. Claim again.
            Cycle::WaitingPeer { until } if now >= until => {
                self.cycle = Cycle::Idle;
                self.start(now);
            }
            Cycle::Requesting { until } if now >= until => {
                let why = SdkError::new(codes::NETWORK_ERROR, "the refresh timed out");
                self.fail(why, now, rng);
            }
            Cycle::Holding { until } if now >= until => self.finish(),
            _ => {}
        }
    }

    pub(super) fn on_answer(
        &mut self,
        request: u32,
        result: Result<Session<U>, crate::error::SdkError>,
        now: u64,
        rng: &mut dyn RngCore,
    ) {
        let current = self
            .in_flight
            .as_ref()
            .is_some_and(|(id, _)| *id == request);
        let entry = if current {
            self.in_flight.take()
        } else if self.late.as_ref().is_some_and(|(id, _)| *id == request) {
            self.late.take()
        } else {
            None
        };
        let Some((_, presented)) = entry else {
            return;
        };
        let still_ours = self
            .session
            .as_ref()
            .is_some_and(|s| s.refresh_token == presented);
        if !still_ours {
            // Signed out, signed in anew or refreshed by another tab meanwhile: moot.
            if current {
                if let Some(session) = self.session.clone() {
                    self.settle_all(&Ok(session));
                }
                self.finish();
            }
            return;
        }
        match result {
            Ok(session) => self.adopt_refreshed(session, current, now),
            Err(_) if !current => {} // a late failure was counted when it timed out
            Err(why) if why.ends_session() => self.sign_out(why, true),
            Err(why) => self.fail(why, now, rng),
        }
    }

    fn adopt_refreshed(&mut self, mut session: Session<U>, current: bool, now: u64) {
        let previous = self.session.as_ref().map_or(0, |s| s.generation);
        session.generation = previous.saturating_add(1);
        self.session = Some(session.clone());
        self.reset_backoff();
        self.out.push(Output::Persist(Some(session.clone())));
        self.broadcast(Peer::Session {
            event: AuthEvent::TokenRefreshed,
            session: session.clone(),
        });
        self.out.push(Output::Emit(
            AuthEvent::TokenRefreshed,
            Some(session.clone()),
        ));
        self.settle_all(&Ok(session));
        if current && self.lock_held {
            self.cycle = Cycle::Holding {
                until: now.saturating_add(HOLD_MS),
            };
        } else if current {
            self.finish();
        }
    }

    /// A transient failure: back off, tell the waiting callers.
    fn fail(&mut self, why: SdkError, now: u64, rng: &mut dyn RngCore) {
        self.attempt = self.attempt.saturating_add(1);
        let wait = backoff::delay_ms(self.attempt, rng.next_u32(), why.retry_after_s);
        self.retry_at = Some(now.saturating_add(wait));
        self.last_error = Some(why.clone());
        self.settle_all(&Err(why));
        self.finish();
    }

    pub(super) fn on_claim(&mut self, tab: u32, gen: u64, held: bool, now: u64) {
        let ours = self.session.as_ref().map(|s| s.generation);
        match self.cycle {
            Cycle::Claiming { .. }
                if ours.is_some_and(|g| gen >= g) && (held || tab < self.tab) =>
            {
                self.cycle = Cycle::WaitingPeer {
                    until: now.saturating_add(PEER_WAIT_MS),
                };
            }
            Cycle::Requesting { .. } if self.cfg.coordination == Coordination::Channel => {
                if let Some(gen) = ours {
                    let claim = Peer::Claim {
                        tab: self.tab,
                        gen,
                        held: true,
                    };
                    self.broadcast(claim);
                }
            }
            _ => {}
        }
    }
}
