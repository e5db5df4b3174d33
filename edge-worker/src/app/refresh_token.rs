//! Kith's refresh tokens as generations of their session, so the history of a session is one
//! row however often it refreshes:
//!
//! `{sid}.{generation}.{secret}.{tag}`
//!
//! - `secret` is the credential. Generation 0's is random (or, in the server-driven flow,
//!   derived from the Kith code); each successor's is `HMAC(refresh key, previous token)`,
//!   so racing tabs presenting one token derive the same successor. Storage keeps only the
//!   SHA-256 of the current token, in the session row.
//! - `tag` is `HMAC(refresh key, sid.generation)`: it proves Kith issued a token of that
//!   generation of that session. A token whose tag does not verify is refused before any
//!   read; one that verifies but is older than the session's generation is a reuse, and
//!   revokes the session (the token family), without a row per rotation to look it up.
//!
//! Tags and successors are made with the first key of the keyring and tags verified with
//! every key, so a `SECRETS_KEY` rotation keeps sessions alive while the old key stays
//! listed; a racing tab's successor may have been made with any listed key
//! ([`Generation::successors`]).
//! Tokens of the first format (random, 43 characters, no dots; one `refresh_tokens` row per
//! rotation) still rotate in that format until their session ends: [`parse`] says which.

use super::derive::{derive, same, successor_token};
use crate::domain::RefreshToken;

/// One of Kith's refresh tokens, parsed and with its tag verified.
#[derive(Debug, Clone, Copy)]
pub struct Generation<'a> {
    pub session_id: &'a str,
    pub generation: i64,
    /// The whole token, for its hash and its successor.
    token: &'a str,
}

/// What a presented refresh token is.
#[derive(Debug)]
pub enum Presented<'a> {
    /// A generation of a session, its tag verified.
    Generation(Generation<'a>),
    /// A token of the first format (looked up in `refresh_tokens`).
    Legacy(&'a str),
    /// Neither: refused without a read.
    Invalid,
}

/// Longest session id in a token (Kith issues UUIDs).
const MAX_SID_LEN: usize = 64;

fn tag(key: &[u8], sid: &str, generation: i64) -> String {
    derive(key, "kith refresh tag", &format!("{sid}.{generation}"))
}

fn compose(key: &[u8], sid: &str, generation: i64, secret: &str) -> RefreshToken {
    let tag = tag(key, sid, generation);
    RefreshToken::new(format!("{sid}.{generation}.{secret}.{tag}"))
}

/// The key that makes tokens and successors: the first of the keyring's (which always
/// holds one, `app::keyring::Keyring::parse`).
pub fn making_key(keys: &[[u8; 32]]) -> &[u8] {
    keys.first().map_or(&[][..], |k| &k[..])
}

/// Generation 0 of session `sid`, with `secret` (random, or derived by the flow).
pub fn first(keys: &[[u8; 32]], sid: &str, secret: &str) -> RefreshToken {
    compose(making_key(keys), sid, 0, secret)
}

/// Parses `token`, verifying a generation's tag against each of `keys`.
pub fn parse<'a>(keys: &[[u8; 32]], token: &'a str) -> Presented<'a> {
    if !token.contains('.') {
        let legacy = !token.is_empty() && token.len() <= 64;
        return if legacy {
            Presented::Legacy(token)
        } else {
            Presented::Invalid
        };
    }
    let mut parts = token.splitn(4, '.');
    let (Some(sid), Some(generation), Some(_secret), Some(given)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Presented::Invalid;
    };
    // Only the spelling Kith writes: no sign, no leading zero, at most 12 digits (so the
    // successor's generation cannot overflow).
    let generation = match generation.parse::<i64>() {
        Ok(g) if g >= 0 && generation.len() <= 12 && g.to_string() == generation => g,
        _ => return Presented::Invalid,
    };
    if sid.is_empty() || sid.len() > MAX_SID_LEN {
        return Presented::Invalid;
    }
    let authentic = keys
        .iter()
        .any(|k| same(tag(k, sid, generation).as_bytes(), given.as_bytes()));
    if !authentic {
        return Presented::Invalid;
    }
    Presented::Generation(Generation {
        session_id: sid,
        generation,
        token,
    })
}

impl Generation<'_> {
    /// The token, whose hash the session row holds while it is current.
    pub fn token(&self) -> &str {
        self.token
    }

    /// The next generation, the same for every tab that presents this token, as each key of
    /// the keyring makes it: the making key's first (the one a rotation hands out). While
    /// a new `SECRETS_KEY` reaches isolates one by one, a tab racing another that an isolate
    /// with the other keyring rotated finds the successor it was given among these.
    pub fn successors(&self, keys: &[[u8; 32]]) -> Vec<RefreshToken> {
        keys.iter().map(|key| self.successor_with(key)).collect()
    }

    fn successor_with(&self, key: &[u8]) -> RefreshToken {
        let secret = successor_token(key, self.token);
        compose(key, self.session_id, self.generation + 1, &secret)
    }
}
