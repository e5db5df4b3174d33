//! The form_post relay's state: how the SDK's own redirect flow reaches a provider that
//! answers with an HTML form POST (Apple's `response_mode=form_post`, OAuth 2.0 Form Post
//! Response Mode) and how the Worker tells it apart from its own server-driven flow.
//!
//! Apple posts `code`, `state` and (on a first login) `user` cross-site to the `redirect_uri`:
//! no cookie can come along, and a single-page app cannot receive a POST. So the SDK names the
//! Worker's callback as `redirect_uri` and the Worker turns the POST into a GET to the app page.
//! The Worker keeps no record of the SDK's flow: the app page travels in the SDK's state,
//!
//! ```text
//! kr1.<43 base64url characters: the SDK's random state>.<base64url of the app page>
//! ```
//!
//! and the relay sends the browser there only if the page is, character for character, one of
//! the project's `redirect_urls` (an attacker may write any state, so the allowlist is the
//! guard, never the state). A state the Worker issued itself is 43 base64url characters and
//! has no `.`: [`classify_state`] decides which is which, once, with no third reading.

use crate::b64;
use alloc::string::String;

/// The version prefix of a relay state.
pub const RELAY_PREFIX: &str = "kr1.";
/// Length of the random part (32 bytes, base64url).
const RANDOM_LEN: usize = 43;
/// Longest app page a relay state may carry (the state's length is bounded with it).
pub const MAX_APP_PAGE: usize = 1024;

/// What the `state` of a callback is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackState<'a> {
    /// Issued by the Worker's own server-driven flow: looked up (single use) in storage.
    Worker(&'a str),
    /// The SDK's relay state: the app page it asks to be sent back to (not yet allowlisted).
    Relay { app_page: String },
    /// Starts like a relay state but is not one (bad random part, encoding or length).
    MalformedRelay,
}

/// The state the SDK sends to a form_post provider: its random state with the app page.
/// `random` is the SDK's random state (43 base64url characters).
pub fn relay_state(random: &str, app_page: &str) -> String {
    // Pushed, not `concat`ed: the browser SDK links this, and `concat`'s generic copy is ~1 KB.
    let mut state = String::from(RELAY_PREFIX);
    state.push_str(random);
    state.push('.');
    state.push_str(&b64::encode(app_page));
    state
}

fn is_random_part(s: &str) -> bool {
    s.len() == RANDOM_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads a callback's `state`: the relay's, or anything else as the Worker's own.
pub fn classify_state(state: &str) -> CallbackState<'_> {
    let Some(rest) = state.strip_prefix(RELAY_PREFIX) else {
        return CallbackState::Worker(state);
    };
    let page = rest
        .split_once('.')
        .filter(|(random, _)| is_random_part(random))
        .and_then(|(_, page)| b64::decode(page))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|p| !p.is_empty() && p.len() <= MAX_APP_PAGE);
    match page {
        Some(app_page) => CallbackState::Relay { app_page },
        None => CallbackState::MalformedRelay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    #[test]
    fn relay_state_round_trips_the_app_page() {
        let s = relay_state(RANDOM, "https://app.example/cb?x=1");
        assert!(s.starts_with("kr1.AAAA"));
        assert_eq!(
            classify_state(&s),
            CallbackState::Relay {
                app_page: "https://app.example/cb?x=1".into()
            }
        );
    }

    #[test]
    fn a_worker_state_is_never_read_as_a_relay() {
        let worker = "q9Jx3vQ0bq3r5m3VJb6qv3F2b1z8s0wM5n2k7Yt4cHg";
        assert_eq!(classify_state(worker), CallbackState::Worker(worker));
    }

    #[test]
    fn malformed_relay_states_are_refused_not_guessed() {
        let page = b64::encode("https://app.example/cb");
        for bad in [
            "kr1.".to_owned(),
            format!("kr1.short.{page}"),
            format!("kr1.{RANDOM}"),
            format!("kr1.{RANDOM}.{page}="),
            format!("kr1.{RANDOM}.{}", b64::encode([0xff, 0xfe])),
            format!("kr1.{RANDOM}."),
            format!("kr1.{RANDOM}.{}", b64::encode("x".repeat(MAX_APP_PAGE + 1))),
        ] {
            assert_eq!(classify_state(&bad), CallbackState::MalformedRelay, "{bad}");
        }
    }
}
