//! Sessions: refresh-token rotation with a grace for racing tabs and family revocation on
//! reuse, revocation, and the user of a live session.

use super::{json_list, query, user_from, user_select, LIVE_SESSION_USER, USER_COLUMNS_SQL};
use crate::app::store::{stmt, text, Db, StoreError};
use crate::domain::UserOut;

/// A refreshed session.
pub struct Refreshed {
    pub session_id: String,
    pub amr: Vec<String>,
    pub user: UserOut,
}

/// Rotates the refresh token whose hash is `hash` to the one whose hash is `successor`
/// (derived from the presented token, so every racing tab derives the same one). Within
/// `grace` seconds of the first rotation, presenting the old token again answers the same
/// successor; after it, the reuse revokes the whole session (token family). One round trip.
pub async fn refresh<D: Db>(
    db: &D,
    pid: &str,
    hash: &str,
    successor: &str,
    now: i64,
    grace: i64,
) -> Result<Option<Refreshed>, StoreError> {
    let live = "EXISTS (SELECT 1 FROM sessions s WHERE s.id = refresh_tokens.session_id AND s.project_id = ?2 \
                AND s.revoked_at IS NULL AND s.expires_at > ?3)";
    let batch = vec![
        stmt(
            format!("UPDATE refresh_tokens SET rotated_at = ?3 WHERE token_hash = ?1 AND rotated_at IS NULL AND {live}"),
            [hash.into(), pid.into(), now.into()],
        ),
        stmt(
            format!(
                "INSERT INTO refresh_tokens (token_hash, session_id, created_at) \
                 SELECT ?4, session_id, ?3 FROM refresh_tokens WHERE token_hash = ?1 AND rotated_at >= ?3 - ?5 AND {live} \
                 ON CONFLICT (token_hash) DO NOTHING"
            ),
            [hash.into(), pid.into(), now.into(), successor.into(), grace.into()],
        ),
        stmt(
            "UPDATE sessions SET revoked_at = ?3 WHERE project_id = ?2 AND revoked_at IS NULL AND id = \
             (SELECT session_id FROM refresh_tokens WHERE token_hash = ?1 AND rotated_at < ?3 - ?4)",
            [hash.into(), pid.into(), now.into(), grace.into()],
        ),
        // The session and its user, once the successor is in place.
        stmt(
            format!(
                "SELECT s.id AS session_id, s.amr AS amr, {USER_COLUMNS_SQL} FROM refresh_tokens r \
                 JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id \
                 WHERE r.token_hash = ?1 AND s.project_id = ?2 AND s.revoked_at IS NULL AND s.expires_at > ?3 \
                   AND EXISTS (SELECT 1 FROM refresh_tokens o WHERE o.token_hash = ?4 AND o.session_id = s.id)"
            ),
            [successor.into(), pid.into(), now.into(), hash.into()],
        ),
    ];
    let results = db.batch(batch).await?;
    let rows = results.into_iter().next_back().unwrap_or_default();
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(Refreshed {
        session_id: text(row, "session_id").unwrap_or_default(),
        amr: json_list(text(row, "amr"), "amr")?,
        user: user_from(row)?,
    }))
}

/// The user of a live session (`sid`), or `None` when the session is revoked or expired.
pub async fn session_user<D: Db>(
    db: &D,
    pid: &str,
    sid: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<UserOut>, StoreError> {
    let rows = query(
        db,
        user_select(LIVE_SESSION_USER),
        [pid.into(), sid.into(), user_id.into(), now.into()],
    )
    .await?;
    rows.first().map(user_from).transpose()
}

/// Revokes one session, or every session of the user (`global`). Returns how many.
pub async fn revoke_sessions<D: Db>(
    db: &D,
    pid: &str,
    user_id: &str,
    sid: Option<&str>,
    now: i64,
) -> Result<usize, StoreError> {
    let sql = "UPDATE sessions SET revoked_at = ?4 WHERE project_id = ?1 AND user_id = ?2 AND revoked_at IS NULL \
               AND (?3 IS NULL OR id = ?3) RETURNING id";
    Ok(query(
        db,
        sql,
        [pid.into(), user_id.into(), sid.into(), now.into()],
    )
    .await?
    .len())
}

/// Whether `sid` is a live session of project `pid` at `now` (not revoked, not expired): one
/// read by primary key. A session of another project is not live here.
pub async fn session_active<D: Db>(
    db: &D,
    pid: &str,
    sid: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let sql = "SELECT 1 AS live FROM sessions WHERE id = ?1 AND project_id = ?2 \
               AND revoked_at IS NULL AND expires_at > ?3";
    Ok(!query(db, sql, [sid.into(), pid.into(), now.into()])
        .await?
        .is_empty())
}
