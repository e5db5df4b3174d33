//! The redirect sign-in's one-time values: PKCE verifier, state and nonce.
//!
//! A flow record is kept in sessionStorage under a key derived from its `state`, lives
//! [`FLOW_TTL_MS`] and is removed the moment a callback reads it: a replayed or forged
//! callback URL finds nothing and fails with `state_mismatch` before anything is sent.
//! Storage is a port ([`KeyValue`]) so this logic is tested natively with [`MemoryStore`].

use crate::prelude::*;

use crate::claims::{
    authorization_url, random_token, relay_state, sha256_hex, AuthorizationRequest, PkceVerifier,
    MAX_APP_PAGE,
};
use crate::error::{codes, SdkError, SdkResult};
use crate::secure_url::is_secure_or_loopback;
use crate::text::{cat, join};
use core::cell::RefCell;

/// How long a started sign-in may take: 10 minutes.
pub const FLOW_TTL_MS: u64 = 600_000;

/// A string key-value store (sessionStorage, localStorage, the app's own storage object,
/// memory). Every failure is `storage_unavailable`.
pub trait KeyValue {
    fn get(&self, key: &str) -> SdkResult<Option<String>>;
    fn set(&self, key: &str, value: &str) -> SdkResult<()>;
    fn remove(&self, key: &str) -> SdkResult<()>;
}

/// In-memory [`KeyValue`] (tests, and the `memory` storage option). A list, not a hash map:
/// it holds a handful of keys, and a `HashMap` would bring SipHash into the module.
#[derive(Default)]
pub struct MemoryStore(RefCell<Vec<(String, String)>>);

impl KeyValue for MemoryStore {
    fn get(&self, key: &str) -> SdkResult<Option<String>> {
        let entries = self.0.borrow();
        Ok(entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone()))
    }
    fn set(&self, key: &str, value: &str) -> SdkResult<()> {
        self.remove(key)?;
        self.0.borrow_mut().push((key.to_owned(), value.to_owned()));
        Ok(())
    }
    fn remove(&self, key: &str) -> SdkResult<()> {
        self.0.borrow_mut().retain(|(k, _)| k != key);
        Ok(())
    }
}

/// What a started sign-in remembers until its callback. `Debug` does not print the verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct FlowRecord {
    pub provider: String,
    /// The `redirect_uri` the provider was given (for a form_post provider: the relay's URL),
    /// which the code exchange must name again.
    pub redirect_uri: String,
    pub code_verifier: Option<String>,
    pub nonce: String,
    pub created_at_ms: u64,
    /// The flow links the provider to the signed-in user instead of signing in.
    pub link: bool,
}

impl core::fmt::Debug for FlowRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FlowRecord")
            .field("provider", &self.provider)
            .field("link", &self.link)
            .finish_non_exhaustive()
    }
}

/// The first line of a stored record: the format version and the flow's purpose.
const SIGN_IN: &str = "kith1";
const LINK: &str = "kith1.link";

impl FlowRecord {
    /// One line per field (none of them can hold a newline: provider names, a URL, base64url
    /// values and a number), prefixed with a format version.
    fn encode(&self) -> String {
        let verifier = self.code_verifier.as_deref().unwrap_or_default();
        let created = decimal(self.created_at_ms);
        let fields = [
            if self.link { LINK } else { SIGN_IN },
            &self.provider,
            &self.redirect_uri,
            verifier,
            &self.nonce,
            &created,
        ];
        join(&fields, "\n")
    }

    fn decode(text: &str) -> Option<Self> {
        let mut f = crate::text::split(text, b'\n');
        let link = match f.next()? {
            SIGN_IN => false,
            LINK => true,
            _ => return None,
        };
        let (provider, redirect_uri, verifier, nonce, created) =
            (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
        if f.next().is_some() {
            return None;
        }
        Some(Self {
            provider: provider.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            code_verifier: (!verifier.is_empty()).then(|| verifier.to_owned()),
            nonce: nonce.to_owned(),
            created_at_ms: crate::text::number(created)?,
            link,
        })
    }
}

/// How the provider answers, from the providers list's `response_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// A redirect with `code` and `state` in the query, straight to the app's page.
    Query,
    /// An HTML form POST (Apple): it goes to the Worker's relay (`relay_url`, its callback for
    /// this project and provider), which sends the browser on to the app's page as a GET. The
    /// state carries the app page (`kith_claims::oauth::relay_state`); the relay keeps nothing
    /// and sends the browser only to an allowlisted page.
    FormPostRelay { relay_url: &'a str },
}

/// The public facts of a provider needed to build the authorization request.
pub struct ProviderFacts<'a> {
    pub answer: Answer<'a>,
    /// Whether the flow links the provider to the signed-in user (else it signs in).
    pub link: bool,
    pub provider: &'a str,
    pub client_id: &'a str,
    pub authorization_endpoint: &'a str,
    pub scopes: &'a [String],
}

/// A number in decimal, without `core::fmt` (which would weigh more than this crate).
/// The digits are written from the end of a buffer that fits any `u64` (no `reverse`, whose
/// bounds checks link a panic path).
fn decimal(mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    for d in digits.iter_mut().rev() {
        // n % 10 < 10: the digit is ASCII.
        *d = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = digits.get(start..).unwrap_or_default();
    String::from_utf8(digits.to_vec()).unwrap_or_default()
}

fn flow_key(project_id: &str, state: &str) -> String {
    cat(&["kith.flow.", project_id, ".", state])
}

/// Starts a sign-in: makes verifier, state and nonce from `random` (96 CSPRNG bytes), stores
/// the record and returns the authorization URL to navigate to. An authorization endpoint
/// that is not https (http only on loopback) is refused before anything is stored: the SDK
/// never sends the browser to a `javascript:` URL or the flow's values over plain http.
pub fn begin(
    store: &dyn KeyValue,
    project_id: &str,
    provider: &ProviderFacts<'_>,
    redirect_uri: &str,
    random: &[u8; 96],
    now_ms: u64,
) -> SdkResult<String> {
    if !is_secure_or_loopback(provider.authorization_endpoint) {
        return Err(SdkError::new(
            codes::INVALID_REQUEST,
            "the provider's authorization endpoint is not an https URL",
        ));
    }
    // Verifier, state and nonce: 32 bytes each (a loop into arrays: `random` is 96 bytes by
    // its type, so there is no short case to refuse).
    let mut parts = [[0u8; 32]; 3];
    for (i, b) in random.iter().enumerate() {
        if let Some(p) = parts.get_mut(i / 32).and_then(|p| p.get_mut(i % 32)) {
            *p = *b;
        }
    }
    let [v, s, n] = parts;
    let verifier = PkceVerifier::from_random(&v);
    let nonce = random_token(&n);
    // With the relay, the provider returns to the Worker and the code is exchanged for it.
    let (state, sent_to) = match provider.answer {
        Answer::Query => (random_token(&s), redirect_uri),
        Answer::FormPostRelay { .. } if redirect_uri.len() > MAX_APP_PAGE => {
            return Err(SdkError::new(
                codes::INVALID_REQUEST,
                "redirectUri is too long for the form_post relay (1024 bytes)",
            ));
        }
        Answer::FormPostRelay { relay_url } => {
            (relay_state(&random_token(&s), redirect_uri), relay_url)
        }
    };
    let scope = join(provider.scopes, " ");
    let mut url = authorization_url(&AuthorizationRequest {
        authorization_endpoint: provider.authorization_endpoint,
        client_id: provider.client_id,
        redirect_uri: sent_to,
        scope: &scope,
        state: &state,
        nonce: &nonce,
        code_challenge: &verifier.challenge_s256(),
    });
    if let Answer::FormPostRelay { .. } = provider.answer {
        url.push_str("&response_mode=form_post");
    }
    let record = FlowRecord {
        provider: provider.provider.to_owned(),
        redirect_uri: sent_to.to_owned(),
        code_verifier: Some(verifier.secret().to_owned()),
        nonce,
        created_at_ms: now_ms,
        link: provider.link,
    };
    if [provider.provider, sent_to]
        .iter()
        .any(|v| v.bytes().any(|b| b == b'\n'))
    {
        return Err(SdkError::new(
            codes::INVALID_REQUEST,
            "provider and redirectUri must be single-line",
        ));
    }
    store.set(&flow_key(project_id, &state), &record.encode())?;
    Ok(url)
}

/// Longest state read back: a relay state carries the app page (at most 1024 bytes).
const MAX_STATE: usize = 1500;

/// Takes (and deletes) the record for `state`: single use. Unknown, malformed or expired
/// records are `state_mismatch`.
pub fn take(
    store: &dyn KeyValue,
    project_id: &str,
    state: &str,
    now_ms: u64,
) -> SdkResult<FlowRecord> {
    let mismatch = |why: &str| SdkError::new(codes::STATE_MISMATCH, why);
    if state.is_empty() || state.len() > MAX_STATE {
        return Err(mismatch("the callback carries no valid state"));
    }
    let key = flow_key(project_id, state);
    let raw = store.get(&key)?.ok_or_else(|| {
        mismatch("no sign-in with this state was started in this tab, or it was already completed")
    })?;
    store.remove(&key)?;
    let record =
        FlowRecord::decode(&raw).ok_or_else(|| mismatch("the stored sign-in is unreadable"))?;
    if now_ms.saturating_sub(record.created_at_ms) > FLOW_TTL_MS {
        return Err(mismatch("the sign-in expired (10 minutes)"));
    }
    Ok(record)
}

/// A nonce for flows where the app hands it to the provider itself (Google One Tap, Sign in
/// with Apple JS): the raw nonce (32 CSPRNG bytes, base64url) to send to Kith, and its
/// lowercase hex SHA-256 for providers that want it hashed.
pub fn nonce_pair(random: &[u8; 32]) -> (String, String) {
    let raw = random_token(random);
    let hashed = sha256_hex(&raw);
    (raw, hashed)
}

#[cfg(test)]
mod tests;
