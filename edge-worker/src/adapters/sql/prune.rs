//! The scheduled prune (a cron trigger in `wrangler.toml`): every row that can no longer be
//! used is deleted, so no table grows without bound. Each statement deletes at most
//! [`BATCH_ROWS`] rows and walks an index; a run repeats the statements that found a full
//! batch, up to [`MAX_ROUNDS`] round trips. Once a minute, that keeps up with the rows of
//! 1,000 sign-ins/s (two single-use keys each: 120,000 a minute; SCALING.md); a larger
//! backlog drains over the next runs.
//!
//! Kept: a live session, whose row is its whole refresh history (`app::refresh_token`; the
//! rotated `refresh_tokens` rows of a session opened before that format, which a reuse must
//! still find, go with their session), a dead email verification for a day (its wrong codes count against its address,
//! `app::otp::MAX_TRIES_PER_DAY`), and a revoked or expired session for [`SESSION_KEEP_SECS`] (admin and support can see it);
//! then the session goes, and its codes (and any first-format refresh tokens) with it
//! (`ON DELETE CASCADE`).

use crate::app::store::{stmt, Db, Row, Stmt, StoreError};

/// Rows deleted per statement and round trip.
pub const BATCH_ROWS: i64 = 5000;
/// Round trips per run at most: 200,000 rows per table.
pub const MAX_ROUNDS: usize = 40;
/// How long an ended session is kept.
pub const SESSION_KEEP_SECS: i64 = 24 * 3600;

/// What is dead in one table.
pub struct Prune {
    pub table: &'static str,
    /// The row's key columns: `rowid`, or the primary key of a `WITHOUT ROWID` table.
    pub key: &'static str,
    /// The condition on `?1` = now.
    pub condition: &'static str,
}

const fn prune(table: &'static str, condition: &'static str) -> Prune {
    Prune {
        table,
        key: "rowid",
        condition,
    }
}

/// Every prune the scheduled run makes.
pub const PRUNES: &[Prune] = &[
    prune("oauth_states", "expires_at < ?1"),
    prune("flow_codes", "expires_at < ?1"),
    prune("flow_verifications", "expires_at < ?1"),
    // Clustered on its primary key (migration 0014).
    Prune {
        key: "project_id, key",
        ..prune("used_tokens", "expires_at < ?1")
    },
    // Kept a day after expiry: their wrong codes count against the address (`app::otp`).
    prune("email_verifications", "expires_at < ?1 - 86400"),
    // Counters of past minutes (migration 0015), keyed by their window.
    Prune {
        key: "project_id, key, window_start",
        ..prune("rate_counters", "window_start < ?1 - 120")
    },
    // The counters of Workers that predate 0015 (read only in their own minute), until a
    // migration drops the table.
    prune("rate_limits", "window_start < ?1 - 120"),
    prune("sessions", "expires_at < ?1 - 86400"),
    prune("sessions", "revoked_at < ?1 - 86400"),
];

impl Prune {
    /// The rows to prune (at most [`BATCH_ROWS`]), by key.
    pub fn select_sql(&self) -> String {
        let Prune {
            table,
            key,
            condition,
        } = self;
        format!("SELECT {key} FROM {table} WHERE {condition} LIMIT {BATCH_ROWS}")
    }

    /// The statement deleting [`Prune::select_sql`]'s rows.
    pub fn delete_sql(&self) -> String {
        let Prune { table, key, .. } = self;
        format!(
            "DELETE FROM {table} WHERE ({key}) IN ({}) RETURNING 1 AS gone",
            self.select_sql()
        )
    }
}

/// One prune's progress in a run.
struct Progress {
    prune: &'static Prune,
    gone: usize,
    /// Its last batch came back full: more rows may be left.
    more: bool,
}

/// What a run did: rows removed per prune, and the prunes whose statement failed.
#[derive(Debug, Default)]
pub struct Pruned {
    pub rows: Vec<(&'static str, usize)>,
    pub failed: Vec<(&'static str, StoreError)>,
}

/// Runs every prune, one batch per round, again for the prunes whose statement found a full
/// batch until none did or [`MAX_ROUNDS`]. A failed batch is run again one statement at a
/// time, so that one prune that cannot run (a table a migration has not made yet, or has
/// dropped) stops only itself. At most 2 × 9 statements a round, 720 a run: within the paid
/// plan's 1,000 queries per invocation (the free plan's 50 hold a first round, which drains
/// the few rows of a free plan's traffic).
pub async fn run<D: Db>(db: &D, now: i64) -> Pruned {
    let mut state: Vec<Progress> = PRUNES
        .iter()
        .map(|prune| Progress {
            prune,
            gone: 0,
            more: true,
        })
        .collect();
    let mut failed = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let mut pending: Vec<&mut Progress> = state.iter_mut().filter(|p| p.more).collect();
        if pending.is_empty() {
            break;
        }
        let batch = pending.iter().map(|p| p.prune.statement(now)).collect();
        match db.batch(batch).await {
            Ok(results) => {
                for (p, rows) in pending.iter_mut().zip(&results) {
                    p.record(rows);
                }
            }
            Err(_) => {
                for p in pending {
                    match db.batch(vec![p.prune.statement(now)]).await {
                        Ok(results) => p.record(results.first().map_or(&[][..], Vec::as_slice)),
                        Err(e) => {
                            p.more = false;
                            failed.push((p.prune.table, e));
                        }
                    }
                }
            }
        }
    }
    Pruned {
        rows: state.iter().map(|p| (p.prune.table, p.gone)).collect(),
        failed,
    }
}

impl Prune {
    fn statement(&self, now: i64) -> Stmt {
        stmt(self.delete_sql(), [now.into()])
    }
}

impl Progress {
    fn record(&mut self, rows: &[Row]) {
        self.gone += rows.len();
        self.more = i64::try_from(rows.len()).is_ok_and(|n| n >= BATCH_ROWS);
    }
}
