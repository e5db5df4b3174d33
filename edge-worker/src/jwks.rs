//! Provider key sets, cached per isolate, fetched by the policy of
//! `kith_claims::jwks_cache`: lifetime from the provider's `Cache-Control` (bounded), a
//! refetch for an unknown `kid` at most once per cooldown, and one shared fetch in flight
//! for all the requests that need it. When a refetch fails, a key set already in the cache
//! keeps working; with no usable keys the sign-in is `provider_unavailable`. Behind the
//! isolate's cache sits the Cache API, so new isolates rarely reach the provider.

use crate::error::{ApiError, ApiResult};
use crate::net;
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use kith_claims::jwks_cache::{decide, ttl_from_cache_control, CacheState, JwksAction};
use kith_claims::JwkSet;
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{Cache, Response};

/// Why a fetch failed, cloneable so every joined request gets the same answer.
#[derive(Clone, Debug)]
enum FetchError {
    /// Network failure or a 5xx: the provider may come back.
    Unavailable(String),
    /// The provider answered something that is not a usable JWKS.
    Invalid(String),
}

impl From<FetchError> for ApiError {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Unavailable(m) => ApiError::ProviderUnavailable(m),
            FetchError::Invalid(m) => ApiError::InvalidSocialLogin(m),
        }
    }
}

type Pending = Shared<LocalBoxFuture<'static, Result<JwkSet, FetchError>>>;

struct Entry {
    set: Option<JwkSet>,
    state: CacheState,
    pending: Option<Pending>,
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
async fn fetch(uri: String, now: i64, bypass: bool) -> Result<JwkSet, FetchError> {
    let cached = if bypass {
        None
    } else {
        from_cache_api(&uri).await
    };
    let from_network = cached.is_none();
    let (body, cache_control) = match cached {
        Some(hit) => hit,
        None => {
            let answer = net::get_json(&uri)
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
    let set = JwkSet::parse(&body).map_err(|e| FetchError::Invalid(format!("{uri}: {e}")))?;
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

/// The key set to verify a token whose header names `kid` (or none).
pub async fn keys_for(uri: &str, now: i64, kid: Option<&str>) -> ApiResult<JwkSet> {
    let (action, cached, fresh) = CACHE.with(|c| {
        let cache = c.borrow();
        let entry = cache.get(uri);
        let cached = entry.and_then(|e| e.set.clone());
        let known = match (&cached, kid) {
            (Some(set), Some(kid)) => set.has_kid(kid),
            (Some(_), None) => true,
            (None, _) => false,
        };
        let fresh = entry.is_some_and(|e| now < e.state.expires_at);
        (decide(entry.map(|e| &e.state), now, known), cached, fresh)
    });
    let pending = match action {
        JwksAction::UseCached => {
            return cached
                .ok_or_else(|| ApiError::ProviderUnavailable(format!("{uri}: no keys cached")))
        }
        JwksAction::JoinInFlight => {
            CACHE.with(|c| c.borrow().get(uri).and_then(|e| e.pending.clone()))
        }
        JwksAction::Fetch => None,
    };
    let pending = match pending {
        Some(p) => p,
        None => {
            // A fresh set that lacks the kid means rotation: go to the provider itself.
            let p: Pending = fetch(uri.to_owned(), now, fresh).boxed_local().shared();
            CACHE.with(|c| {
                let mut cache = c.borrow_mut();
                let entry = cache.entry(uri.to_owned()).or_insert(Entry {
                    set: None,
                    state: CacheState {
                        fetched_at: 0,
                        expires_at: 0,
                        last_attempt_at: now,
                        in_flight: true,
                    },
                    pending: None,
                });
                entry.state.last_attempt_at = now;
                entry.state.in_flight = true;
                entry.pending = Some(p.clone());
            });
            p
        }
    };
    let result = pending.await;
    CACHE.with(|c| {
        if let Some(entry) = c.borrow_mut().get_mut(uri) {
            entry.state.in_flight = false;
            entry.pending = None;
        }
    });
    match (result, cached) {
        (Ok(set), _) => Ok(set),
        // The provider is down or broken, but the keys we have still verify known kids.
        (Err(_), Some(set)) if kid.is_none_or(|k| set.has_kid(k)) => Ok(set),
        (Err(e), _) => Err(e.into()),
    }
}
