//! Sessions: refresh-token rotation with a grace for racing tabs and family revocation on
//! reuse, revocation, and the user of a live session.

use super::{
    corrupt, json_list, query, user_from, user_from_json, user_select, LIVE_SESSION_USER,
    USER_JSON_SQL,
};
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
/// successor; after it, the reuse revokes the whole session (token family). One round trip,
/// three writes: the successor's insert returns the session and its user.
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
        // A racing tab within the grace finds the successor in place: the no-op update makes
        // the statement return it all the same.
        stmt(
            format!(
                "INSERT INTO refresh_tokens (token_hash, session_id, created_at) \
                 SELECT ?4, session_id, ?3 FROM refresh_tokens WHERE token_hash = ?1 AND rotated_at >= ?3 - ?5 AND {live} \
                 ON CONFLICT (token_hash) DO UPDATE SET created_at = refresh_tokens.created_at \
                   WHERE refresh_tokens.session_id = excluded.session_id \
                 RETURNING session_id, (SELECT amr FROM sessions WHERE id = session_id) AS amr, \
                   (SELECT {USER_JSON_SQL} FROM users u \
                     WHERE u.id = (SELECT user_id FROM sessions WHERE id = session_id)) AS user"
            ),
            [hash.into(), pid.into(), now.into(), successor.into(), grace.into()],
        ),
        stmt(
            "UPDATE sessions SET revoked_at = ?3 WHERE project_id = ?2 AND revoked_at IS NULL AND id = \
             (SELECT session_id FROM refresh_tokens WHERE token_hash = ?1 AND rotated_at < ?3 - ?4)",
            [hash.into(), pid.into(), now.into(), grace.into()],
        ),
    ];
    let results = db.batch(batch).await?;
    let rows = results.into_iter().nth(1).unwrap_or_default();
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let user = text(row, "user").ok_or_else(|| corrupt("refreshed session", "no user"))?;
    Ok(Some(Refreshed {
        session_id: text(row, "session_id").unwrap_or_default(),
        amr: json_list(text(row, "amr"), "amr")?,
        user: user_from_json(&user)?,
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
