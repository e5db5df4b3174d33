//! Each isolate's copy of the projects' configuration, with the version it was read at.
//! Only sign-ins (id_token form) and refreshes use it, and only through
//! [`super::admitted::Admitted`], whose batch proves the version still current: the cache
//! saves the configuration's round trip and can never decide on stale configuration. Entries
//! live [`TTL_SECS`] so an idle project's copy does not linger.

use crate::domain::project::Config;
use std::cell::RefCell;
use std::collections::HashMap;

/// How long a cached configuration is used before it is read again.
pub const TTL_SECS: i64 = 60;
/// Projects kept per isolate (the oldest entry goes first beyond it).
const MAX_PROJECTS: usize = 256;

thread_local! {
    static CACHE: RefCell<HashMap<String, (i64, Config)>> = RefCell::new(HashMap::new());
}

/// The cached configuration of `pid`, if read less than [`TTL_SECS`] ago.
pub fn get(pid: &str, now: i64) -> Option<Config> {
    CACHE.with(|c| {
        c.borrow()
            .get(pid)
            .filter(|(at, _)| now - *at < TTL_SECS)
            .map(|(_, config)| config.clone())
    })
}

/// Keeps `config` (read at `now`), without its rate count (that is the request's own).
pub fn put(config: &Config, now: i64) {
    let mut copy = config.clone();
    copy.rate_count = None;
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= MAX_PROJECTS && !cache.contains_key(copy.project.id.as_str()) {
            let oldest = cache
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                cache.remove(&oldest);
            }
        }
        cache.insert(copy.project.id.as_str().to_owned(), (now, copy));
    });
}

/// Forgets `pid` (its batch found the version moved).
pub fn forget(pid: &str) {
    CACHE.with(|c| {
        c.borrow_mut().remove(pid);
    });
}
