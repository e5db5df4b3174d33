//! One round trip for a sign-in or a refresh: the configuration comes from the isolate's
//! cache (`adapters::config_cache`), and the request's own batch proves, inside the same
//! transaction, that the cache was still right and that the request is within its rate
//! limit.
//!
//! [`Admitted`] wraps the database port. With an [`Admission`], its first batch begins with
//! the rate-limit counter's increment, which is also the guard, and every later batch begins
//! with the guard alone: a statement that fails — rolling the whole batch back, since a batch
//! is one transaction — when the project's `config_version` is not the one the cached
//! configuration was read at, or when the counter is over the limit. Nothing the
//! request would write survives a refusal, so a stale cache can never let a disabled
//! provider, a removed origin or a lowered limit through: it costs one more round trip
//! ([`Admitted::diagnose`] reads why the batch failed) and the request is answered from fresh
//! configuration (`409`-free: the caller retries once, see `http/auth.rs`).
//!
//! The guard's failure is a constraint (`rate_counters.count` and `admission_guard.ok` are
//! `NOT NULL`), never matched by its message: after any failed batch the reason is read back
//! from the database. A request that writes nothing (no rate) has a read for its guard,
//! checked after the batch ([`Admitted::read_only`]), so that it may run on a replica.

use crate::app::store::{int, stmt, Db, Row, Stmt, StoreError};
use std::cell::Cell;
use std::rc::Rc;

/// What the request was admitted on: the configuration's version and its rate-limit counter.
#[derive(Debug, Clone)]
pub struct Admission {
    pub project_id: String,
    /// `projects.config_version` of the cached configuration.
    pub version: i64,
    /// The counter to increment and check: `(key, window start, origin, limit)`. `None`:
    /// a request that writes nothing (`GET /api/auth/user`), whose guard is then a read —
    /// checked after its batch, so that the batch may run on a read replica.
    pub rate: Option<Rate>,
}

/// A rate-limit counter to count this request against.
#[derive(Debug, Clone)]
pub struct Rate {
    pub key: String,
    pub window: i64,
    pub origin: Option<String>,
    pub limit: i64,
}

/// Why a guarded batch was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The configuration changed since it was cached: reload it and answer from that.
    Stale,
    /// Over the rate limit.
    RateLimited,
}

/// What the guarded batches of one request did, shared with the caller that must decide
/// what a failure means.
#[derive(Debug, Default)]
pub struct Outcome {
    /// A guarded batch committed (the request was counted and admitted).
    pub committed: Cell<bool>,
    /// Why a batch was refused by the guard, if one was.
    pub refused: Cell<Option<Refused>>,
}

/// A database whose batches carry an [`Admission`]'s guard (none: a plain pass-through).
pub struct Admitted<D> {
    inner: D,
    admission: Option<Admission>,
    outcome: Rc<Outcome>,
}

impl<D: Db> Admitted<D> {
    /// `outcome` is filled in as batches run (the caller keeps a clone of the `Rc`).
    pub fn new(inner: D, admission: Option<Admission>, outcome: Rc<Outcome>) -> Self {
        Self {
            inner,
            admission,
            outcome,
        }
    }

    /// The guard: fails (a `NULL` into a `NOT NULL` column) unless the version is the cached
    /// one and the counter is within the limit.
    fn guard(a: &Admission) -> Stmt {
        let (key, window, limit) = a
            .rate
            .as_ref()
            .map_or((None, 0, 0), |r| (Some(r.key.as_str()), r.window, r.limit));
        stmt(
            "INSERT INTO admission_guard (ok) SELECT NULL WHERE \
             (SELECT config_version FROM projects WHERE id = ?1) IS NOT ?2 \
             OR (?3 IS NOT NULL AND COALESCE((SELECT count FROM rate_counters \
                 WHERE project_id = ?1 AND key = ?3 AND window_start = ?4), 0) > ?5)",
            [
                a.project_id.as_str().into(),
                a.version.into(),
                key.into(),
                window.into(),
                limit.into(),
            ],
        )
    }

    /// The rate-limit counter's increment that is also the guard: the new count is `NULL` —
    /// refused by `rate_counters.count NOT NULL`, which aborts the batch — when the version is
    /// not the cached one or the increment would pass the limit. (The origin was checked
    /// against the cached configuration, which the version proves current.) The window is
    /// part of the counter's key: an increment rewrites `count` alone.
    fn count_and_guard(a: &Admission, r: &Rate) -> Stmt {
        stmt(
            "INSERT INTO rate_counters (project_id, key, window_start, count) \
             SELECT ?1, ?2, ?3, CASE WHEN (SELECT config_version FROM projects WHERE id = ?1) IS ?4 \
               THEN 1 END WHERE true \
             ON CONFLICT (project_id, key, window_start) DO UPDATE SET \
               count = CASE WHEN (SELECT config_version FROM projects WHERE id = ?1) IS NOT ?4 THEN NULL \
                 WHEN rate_counters.count + 1 > ?5 THEN NULL ELSE rate_counters.count + 1 END",
            [
                a.project_id.as_str().into(),
                r.key.as_str().into(),
                r.window.into(),
                a.version.into(),
                r.limit.into(),
            ],
        )
    }

    /// After a failed batch: whether the guard refused it, read back from the database.
    async fn diagnose(&self, a: &Admission) -> Result<Option<Refused>, StoreError> {
        let mut batch = vec![stmt(
            "SELECT config_version AS v FROM projects WHERE id = ?1",
            [a.project_id.as_str().into()],
        )];
        if let Some(r) = &a.rate {
            batch.push(stmt(
                "SELECT count FROM rate_counters WHERE project_id = ?1 AND key = ?2 AND window_start = ?3",
                [a.project_id.as_str().into(), r.key.as_str().into(), r.window.into()],
            ));
        }
        let results = self.inner.batch(batch).await?;
        let version = results
            .first()
            .and_then(|r| r.first())
            .and_then(|r| int(r, "v"));
        if version != Some(a.version) {
            return Ok(Some(Refused::Stale));
        }
        let count = results
            .get(1)
            .and_then(|r| r.first())
            .and_then(|r| int(r, "count"))
            .unwrap_or(0);
        // The refused batch's increment was rolled back: this request is count + 1.
        Ok(match &a.rate {
            Some(r) if count + 1 > r.limit => Some(Refused::RateLimited),
            _ => None,
        })
    }
}

impl<D: Db> Admitted<D> {
    /// A request that writes nothing: its batch begins with a read of the configuration's
    /// version, and its results are refused (as [`Refused::Stale`]) if that is not the
    /// cached one. Nothing was written, so nothing needs to be rolled back.
    async fn read_only(
        &self,
        a: &Admission,
        stmts: Vec<Stmt>,
    ) -> Result<Vec<Vec<Row>>, StoreError> {
        let mut guarded = Vec::with_capacity(stmts.len() + 1);
        guarded.push(stmt(
            "SELECT config_version AS v FROM projects WHERE id = ?1",
            [a.project_id.as_str().into()],
        ));
        guarded.extend(stmts);
        let mut results = self.inner.batch(guarded).await?.into_iter();
        let version = results
            .next()
            .and_then(|r| r.into_iter().next())
            .and_then(|r| int(&r, "v"));
        if version != Some(a.version) {
            self.outcome.refused.set(Some(Refused::Stale));
            return Err(StoreError::Refused("admission refused: Stale".into()));
        }
        self.outcome.committed.set(true);
        Ok(results.collect())
    }
}

impl<D: Db> Admitted<D> {
    /// Counts and admits a request that sends D1 nothing else (the providers list answered
    /// from the cached configuration): its batch is the guard alone. A no-op without an
    /// admission or once a batch committed.
    pub async fn admit(&self) -> Result<(), StoreError> {
        match &self.admission {
            Some(a) if a.rate.is_some() && !self.outcome.committed.get() => {
                self.batch(Vec::new()).await.map(|_| ())
            }
            _ => Ok(()),
        }
    }
}

impl<D: Db> Db for Admitted<D> {
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<Vec<Row>>, StoreError> {
        let Some(a) = &self.admission else {
            return self.inner.batch(stmts).await;
        };
        let Some(rate) = &a.rate else {
            return self.read_only(a, stmts).await;
        };
        let mut guarded = Vec::with_capacity(stmts.len() + 1);
        // The first batch counts the request and checks both conditions in one statement;
        // later ones (the request was counted) carry the guard alone.
        guarded.push(if self.outcome.committed.get() {
            Self::guard(a)
        } else {
            Self::count_and_guard(a, rate)
        });
        let skip = 1;
        guarded.extend(stmts);
        match self.inner.batch(guarded).await {
            Ok(results) => {
                self.outcome.committed.set(true);
                Ok(results.into_iter().skip(skip).collect())
            }
            Err(e) => match self.diagnose(a).await? {
                Some(why) => {
                    self.outcome.refused.set(Some(why));
                    Err(StoreError::Refused(format!("admission refused: {why:?}")))
                }
                None => Err(e),
            },
        }
    }
}
