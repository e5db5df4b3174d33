//! The server-driven flow's started sign-ins (single use, 10 minutes).

use super::query;
use crate::app::store::{int, stmt, text, Db, StoreError};

/// Prunes expired server-driven sign-in states (when one starts).
pub const PURGE_OAUTH_STATES: &str = "DELETE FROM oauth_states WHERE expires_at < ?1";

/// Remembers a started server-driven sign-in.
pub async fn create_oauth_state<D: Db>(
    db: &D,
    state_hash: &str,
    pid: &str,
    provider: &str,
    redirect_to: Option<&str>,
    expires_at: i64,
) -> Result<(), StoreError> {
    db.batch(vec![
        stmt(PURGE_OAUTH_STATES, [(expires_at - 3600).into()]),
        stmt(
            "INSERT INTO oauth_states (state_hash, project_id, provider, redirect_to, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            [state_hash.into(), pid.into(), provider.into(), redirect_to.into(), expires_at.into()],
        ),
    ])
    .await?;
    Ok(())
}

/// Takes (deletes) a started sign-in: `Some(redirect_to)` if it existed for this project and
/// provider and had not expired. Single use: a second callback with the same state finds nothing.
pub async fn take_oauth_state<D: Db>(
    db: &D,
    state_hash: &str,
    pid: &str,
    provider: &str,
    now: i64,
) -> Result<Option<Option<String>>, StoreError> {
    let sql = "DELETE FROM oauth_states WHERE state_hash = ?1 AND project_id = ?2 AND provider = ?3 RETURNING redirect_to, expires_at";
    let rows = query(db, sql, [state_hash.into(), pid.into(), provider.into()]).await?;
    Ok(rows
        .into_iter()
        .next()
        .filter(|r| int(r, "expires_at").is_some_and(|e| e > now))
        .map(|r| text(&r, "redirect_to")))
}
