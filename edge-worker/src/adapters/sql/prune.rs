//! The scheduled prune (a cron trigger in `wrangler.toml`): every row that can no longer be
//! used is deleted, so no table grows without bound. Each statement deletes at most
//! [`BATCH_ROWS`] rows per run (a backlog drains over a few runs) and walks an index.
//!
//! Kept: a live session, whose row is its whole refresh history (`app::refresh_token`; the
//! rotated `refresh_tokens` rows of a session opened before that format, which a reuse must
//! still find, go with their session), a dead email verification for a day (its wrong codes count against its address,
//! `app::otp::MAX_TRIES_PER_DAY`), and a revoked or expired session for [`SESSION_KEEP_SECS`] (admin and support can see it);
//! then the session goes, and its codes (and any first-format refresh tokens) with it
//! (`ON DELETE CASCADE`).

use crate::app::store::{stmt, Db, Row, StoreError};

/// Rows deleted per statement and run.
pub const BATCH_ROWS: i64 = 5000;
/// How long an ended session is kept.
pub const SESSION_KEEP_SECS: i64 = 24 * 3600;

/// `(table, condition on ?1 = now)`: what is dead in each table.
pub const PRUNES: &[(&str, &str)] = &[
    ("oauth_states", "expires_at < ?1"),
    ("flow_codes", "expires_at < ?1"),
    ("flow_verifications", "expires_at < ?1"),
    ("used_tokens", "expires_at < ?1"),
    // Kept a day after expiry: their wrong codes count against the address (`app::otp`).
    ("email_verifications", "expires_at < ?1 - 86400"),
    ("rate_limits", "window_start < ?1 - 3600"),
    ("sessions", "expires_at < ?1 - 86400"),
    ("sessions", "revoked_at < ?1 - 86400"),
];

/// The statement pruning `table` where `condition` holds (at most [`BATCH_ROWS`] rows).
pub fn prune_sql(table: &str, condition: &str) -> String {
    format!(
        "DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {condition} LIMIT {BATCH_ROWS}) RETURNING 1 AS gone"
    )
}

/// Runs every prune in one batch; how many rows each removed.
pub async fn run<D: Db>(db: &D, now: i64) -> Result<Vec<(&'static str, usize)>, StoreError> {
    let batch = PRUNES
        .iter()
        .map(|(table, condition)| stmt(prune_sql(table, condition), [now.into()]))
        .collect();
    let results: Vec<Vec<Row>> = db.batch(batch).await?;
    Ok(PRUNES
        .iter()
        .zip(results)
        .map(|((table, _), rows)| (*table, rows.len()))
        .collect())
}
