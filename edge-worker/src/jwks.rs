//! Provider key sets, cached per isolate.
//!
//! A key set is reused for [`TTL_SECS`]; a token whose `kid` is unknown triggers at most one
//! refetch per [`REFETCH_COOLDOWN_SECS`] (provider key rotation), so a flood of tokens with
//! random `kid`s cannot turn the Worker into a traffic amplifier against the provider.

use crate::error::{ApiError, ApiResult};
use crate::net;
use kith_claims::JwkSet;
use std::cell::RefCell;
use std::collections::HashMap;

/// How long a fetched key set is used without refetching.
pub const TTL_SECS: i64 = 600;
/// Minimum time between two fetches of one key set.
pub const REFETCH_COOLDOWN_SECS: i64 = 30;

struct Entry {
    set: JwkSet,
    fetched_at: i64,
}

thread_local! {
    static CACHE: RefCell<HashMap<String, Entry>> = RefCell::new(HashMap::new());
}

/// A key set and whether it was fetched just now.
pub struct Keys {
    pub set: JwkSet,
    pub fresh: bool,
}

async fn fetch(uri: &str, now: i64) -> ApiResult<JwkSet> {
    let answer = net::get_json(uri).await?;
    if answer.status >= 500 {
        return Err(ApiError::ProviderUnavailable(format!(
            "{uri}: HTTP {}",
            answer.status
        )));
    }
    if answer.status != 200 {
        return Err(ApiError::InvalidSocialLogin(format!(
            "{uri}: HTTP {}",
            answer.status
        )));
    }
    let set = JwkSet::parse(&answer.body)
        .map_err(|e| ApiError::InvalidSocialLogin(format!("{uri}: {e}")))?;
    CACHE.with(|c| {
        c.borrow_mut().insert(
            uri.to_owned(),
            Entry {
                set: set.clone(),
                fetched_at: now,
            },
        )
    });
    Ok(set)
}

/// The key set for `uri`, from the cache while it is fresh.
pub async fn get(uri: &str, now: i64) -> ApiResult<Keys> {
    let cached = CACHE.with(|c| {
        c.borrow()
            .get(uri)
            .filter(|e| now - e.fetched_at < TTL_SECS)
            .map(|e| e.set.clone())
    });
    match cached {
        Some(set) => Ok(Keys { set, fresh: false }),
        None => Ok(Keys {
            set: fetch(uri, now).await?,
            fresh: true,
        }),
    }
}

/// Refetches after an unknown `kid`, unless the set was fetched within the cooldown.
pub async fn refetch(uri: &str, now: i64) -> ApiResult<Option<JwkSet>> {
    let recent = CACHE.with(|c| {
        c.borrow()
            .get(uri)
            .is_some_and(|e| now - e.fetched_at < REFETCH_COOLDOWN_SECS)
    });
    if recent {
        return Ok(None);
    }
    fetch(uri, now).await.map(Some)
}
