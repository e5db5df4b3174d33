//! Provider key sets, cached per isolate, fetched by the policy of
//! `kith_claims::jwks_cache`: lifetime from the provider's `Cache-Control` (bounded), a
//! refetch for an unknown `kid` at most once per cooldown, and one shared fetch in flight
//! for all the requests that need it. When a refetch fails, a key set already in the cache
//! keeps working; with no usable keys the sign-in is `provider_unavailable`. Behind the
//! isolate's cache sits the Cache API, so new isolates rarely reach the provider.

use super::fetch::Fetcher;
use crate::app::ports::{Http, KeySource};
use crate::error::{ApiError, ApiResult};
use kith_claims::jose::jwks_cache::{
    decide, record_fetch, ttl_from_cache_control, CacheState, JwksAction,
};
use kith_claims::jose::JwkSet;
use kith_claims::oauth::HttpRequest;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use worker::{Cache, Response};

/// Why a fetch failed, cloneable so every joined request gets the same answer.
#[derive(Clone, Debug)]
enum FetchError {
    /// Network failure or a 5xx: the provider may come back.
    Unavailable(String),
    /// The provider answered something that is not a key set (a 4xx, an error page, not a
    /// JWKS document).
    Invalid(String),
}

/// Both are `503 provider_unavailable` (CONTRACT): without a key set Kith cannot judge the
/// token at all, so it is the provider (or its configuration) that is broken, not the
/// user's sign-in, and nothing is written. A key set that parses but has no key for the
/// token is a different case: the token's refusal (`invalid_social_login`, from kith-claims'
/// `no_matching_key`). The native twin (`adapters/twins/http.rs`) answers the same.
impl From<FetchError> for ApiError {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Unavailable(m) => ApiError::ProviderUnavailable(m),
            FetchError::Invalid(m) => ApiError::ProviderUnavailable(format!("invalid JWKS: {m}")),
        }
    }
}

struct Entry {
    set: Option<Rc<JwkSet>>,
    state: CacheState,
}

thread_local! {
    static CACHE: RefCell<HashMap<String, Entry>> = RefCell::new(HashMap::new());
}

/// The Cache API entry of a key set (shared by the isolates of a data centre).
async fn from_cache_api(uri: &str) -> Option<(Vec<u8>, Option<String>)> {
    let mut resp = Cache::default().get(uri, false).await.ok()??;
    let cache_control = resp.headers().get("cache-control").ok().flatten();
    Some((resp.bytes().await.ok()?, cache_control))
}

async fn to_cache_api(uri: &str, body: &[u8], ttl: i64) {
    let Ok(resp) = Response::from_bytes(body.to_vec()) else {
        return;
    };
    let headers = resp.headers();
    let max_age = format!("max-age={ttl}");
    if headers.set("cache-control", &max_age).is_err()
        || headers.set("content-type", "application/json").is_err()
    {
        return;
    }
    // A failed cache write only costs a later fetch.
    let _ = Cache::default().put(uri, resp).await;
}

/// Fetches a key set: from the Cache API unless `bypass` (unknown-kid refetch), else from
/// the provider, then remembers it in both caches.
async fn fetch(uri: String, now: i64, bypass: bool) -> Result<Rc<JwkSet>, FetchError> {
    let cached = if bypass {
        None
    } else {
        from_cache_api(&uri).await
    };
    let from_network = cached.is_none();
    let (body, cache_control) = match cached {
        Some(hit) => hit,
        None => {
            let request = HttpRequest {
                method: "GET",
                url: uri.clone(),
                headers: vec![("accept", "application/json".to_owned())],
                body: String::new(),
            };
            let answer = Fetcher
                .send(&request)
                .await
                .map_err(|e| FetchError::Unavailable(format!("{uri}: {e:?}")))?;
            if answer.status >= 500 {
                return Err(FetchError::Unavailable(format!(
                    "{uri}: HTTP {}",
                    answer.status
                )));
            }
            if answer.status != 200 {
                return Err(FetchError::Invalid(format!(
                    "{uri}: HTTP {}",
                    answer.status
                )));
            }
            (answer.body, answer.cache_control)
        }
    };
    let set =
        Rc::new(JwkSet::parse(&body).map_err(|e| FetchError::Invalid(format!("{uri}: {e}")))?);
    let ttl = ttl_from_cache_control(cache_control.as_deref());
    if from_network {
        to_cache_api(&uri, &body, ttl).await;
    }
    CACHE.with(|c| {
        if let Some(entry) = c.borrow_mut().get_mut(&uri) {
            entry.set = Some(set.clone());
            entry.state.fetched_at = now;
            entry.state.expires_at = now + ttl;
        }
    });
    Ok(set)
}

/// How long a request waits for another request's fetch before fetching itself.
const JOIN_WAIT_MS: u64 = 5_000;
/// How often a waiting request looks at the cache.
const JOIN_POLL_MS: u64 = 10;

/// A fetch flagged in flight for longer than this was abandoned (its request cancelled).
const STALE_FETCH_SECS: i64 = 10;

/// The policy's decision for this lookup, the cached set, and whether it is fresh.
fn lookup(uri: &str, now: i64, kid: Option<&str>) -> (JwksAction, Option<Rc<JwkSet>>, bool) {
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if let Some(e) = cache.get_mut(uri) {
            if e.state.in_flight && now - e.state.last_attempt_at > STALE_FETCH_SECS {
                e.state.in_flight = false;
            }
        }
        let entry = cache.get(uri);
        let cached = entry.and_then(|e| e.set.clone());
        let known = match (&cached, kid) {
            (Some(set), Some(kid)) => set.has_kid(kid),
            (Some(_), None) => true,
            (None, _) => false,
        };
        let fresh = entry.is_some_and(|e| now < e.state.expires_at);
        (decide(entry.map(|e| &e.state), now, known), cached, fresh)
    })
}

/// The key set to verify a token whose header names `kid` (or none).
///
/// Requests never await each other's promises (Workers cancels a request that waits on I/O
/// begun by another request): a request that finds a fetch in flight polls the isolate cache
/// with its own timer until that fetch lands, and fetches itself after [`JOIN_WAIT_MS`].
pub async fn keys_for(uri: &str, now: i64, kid: Option<&str>) -> ApiResult<Rc<JwkSet>> {
    let (mut action, mut cached, mut fresh) = lookup(uri, now, kid);
    let mut waited = 0;
    while action == JwksAction::JoinInFlight && waited < JOIN_WAIT_MS {
        worker::Delay::from(std::time::Duration::from_millis(JOIN_POLL_MS)).await;
        waited += JOIN_POLL_MS;
        if !CACHE.with(|c| c.borrow().get(uri).is_some_and(|e| e.state.in_flight)) {
            (action, cached, fresh) = lookup(uri, now, kid);
            if action == JwksAction::Fetch {
                // The fetch we waited for left no usable keys: do not stampede the provider.
                return match cached {
                    Some(set) => Ok(set),
                    None => Err(ApiError::ProviderUnavailable(format!(
                        "{uri}: the key fetch failed"
                    ))),
                };
            }
        }
    }
    if action == JwksAction::UseCached {
        return cached
            .ok_or_else(|| ApiError::ProviderUnavailable(format!("{uri}: no keys cached")));
    }
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        let entry = cache.entry(uri.to_owned()).or_insert(Entry {
            set: None,
            state: CacheState {
                fetched_at: 0,
                expires_at: 0,
                last_attempt_at: now,
                refetched_at: i64::MIN,
                in_flight: true,
            },
        });
        record_fetch(&mut entry.state, now);
        entry.state.in_flight = true;
    });
    // A fresh set that lacks the kid means rotation: go to the provider itself.
    let result = fetch(uri.to_owned(), now, fresh).await;
    CACHE.with(|c| {
        if let Some(entry) = c.borrow_mut().get_mut(uri) {
            entry.state.in_flight = false;
        }
    });
    match (result, cached) {
        (Ok(set), _) => Ok(set),
        // The provider is down or broken, but the keys we have still verify known kids.
        (Err(_), Some(set)) if kid.is_none_or(|k| set.has_kid(k)) => Ok(set),
        (Err(e), _) => Err(e.into()),
    }
}

/// The per-isolate cache above, as the services' [`KeySource`].
pub struct JwksCache;

impl KeySource for JwksCache {
    async fn keys_for(&self, jwks_uri: &str, now: i64, kid: Option<&str>) -> ApiResult<Rc<JwkSet>> {
        keys_for(jwks_uri, now, kid).await
    }
}
