//! What a message from another tab does.

use super::{AuthEvent, Cycle, Machine, Output, Peer};
use crate::error::{codes, SdkError};
use crate::session::Session;

impl<U: Clone> Machine<U> {
    pub(super) fn on_peer(&mut self, peer: Peer<U>, now: u64) {
        match peer {
            Peer::Session { event, session } => self.adopt_peer(event, session),
            Peer::SignedOut if self.session.is_some() => {
                let why = SdkError::new(codes::INVALID_REFRESH_TOKEN, "signed out in another tab");
                self.sign_out(why, false);
            }
            Peer::SignedOut => {}
            Peer::Claim { tab, gen, held } => self.on_claim(tab, gen, held, now),
        }
    }

    /// Adopts another tab's session when it is newer than ours: a sign-in always (also when
    /// signed out here), a refresh only over an older generation (never reviving a signed-out
    /// tab, never rolling a newer session back), a user update only for the same session.
    fn adopt_peer(&mut self, event: AuthEvent, session: Session<U>) {
        let adopt = match (&self.session, event) {
            (_, AuthEvent::SignedOut) => false,
            (None, AuthEvent::SignedIn) => true,
            (None, _) => false,
            (Some(current), AuthEvent::UserUpdated) => {
                current.refresh_token == session.refresh_token
            }
            (Some(current), _) => {
                current.refresh_token != session.refresh_token
                    && session.generation > current.generation
            }
        };
        if !adopt {
            return;
        }
        self.session = Some(session.clone());
        self.out.push(Output::Emit(event, Some(session.clone())));
        if event == AuthEvent::UserUpdated {
            return;
        }
        self.reset_backoff();
        self.settle_all(&Ok(session));
        match self.cycle {
            Cycle::Settling { .. } | Cycle::Claiming { .. } | Cycle::WaitingPeer { .. } => {
                self.finish()
            }
            // The lock's answer is still to come: it is released when it arrives.
            Cycle::Locking | Cycle::Queued => {
                self.cycle = Cycle::Idle;
                self.wanted = None;
            }
            Cycle::Idle | Cycle::Requesting { .. } | Cycle::Holding { .. } => {}
        }
    }
}
