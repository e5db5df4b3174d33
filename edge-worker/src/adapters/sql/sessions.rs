//! Sessions: refresh-token rotation with a grace for racing tabs and family revocation on
//! reuse, revocation, and the user of a live session.
//!
//! A session's refresh token is a generation of it (`app::refresh_token`): the session row
//! holds the current one's hash, its generation and when it rotated, so a session is one
//! row however often it refreshes. Sessions opened before that format (`refresh_hash` NULL)
//! keep one `refresh_tokens` row per rotation until they end ([`refresh_legacy`]).

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
    /// The hash of the session's refresh token now (a rotation's; `None` on the first format).
    pub current_hash: Option<String>,
}

/// A presented generation of a session (its tag verified by `app::refresh_token`).
pub struct Rotation<'a> {
    pub session_id: &'a str,
    pub generation: i64,
    /// SHA-256 (hex) of the presented token.
    pub hash: &'a str,
    /// SHA-256 (hex) of its successor as each key of the keyring makes it: the first is the
    /// one a rotation writes; a racing tab may find any of them in place.
    pub successors: &'a [String],
}

/// Rotates session `r.session_id` from generation `r.generation` (its current token's hash
/// is `r.hash`) to the first successor. Within `grace` seconds of that rotation, the same
/// token again answers the successor in place (a racing tab; [`Refreshed::current_hash`]
/// says which), or — when the successor in place is none this isolate can make — is refused
/// and revokes nothing. Any older generation, or the previous one after the grace, is a
/// reuse: it revokes the session. One round trip, two statements on the session's primary
/// key; one row written.
pub async fn rotate<D: Db>(
    db: &D,
    pid: &str,
    r: &Rotation<'_>,
    now: i64,
    grace: i64,
) -> Result<Option<Refreshed>, StoreError> {
    let Some((written, others)) = r.successors.split_first() else {
        return Ok(None);
    };
    let live = "id = ?1 AND project_id = ?2 AND revoked_at IS NULL AND expires_at > ?3";
    // ?4 generation, ?5 hash, ?6 the written successor's hash, ?7 grace, ?8.. the others.
    let in_place: Vec<String> = std::iter::once("?6".to_owned())
        .chain((0..others.len()).map(|i| format!("?{}", 8 + i)))
        .collect();
    let in_grace = "generation = ?4 + 1 AND rotated_at >= ?3 - ?7";
    let racing = format!("{in_grace} AND refresh_hash IN ({})", in_place.join(", "));
    let args = || {
        vec![
            r.session_id.into(),
            pid.into(),
            now.into(),
            r.generation.into(),
            r.hash.into(),
            written.as_str().into(),
            grace.into(),
        ]
    };
    let mut with_others = args();
    with_others.extend(others.iter().map(|h| h.as_str().into()));
    let batch = vec![
        // The current generation moves on; a racing tab's rewrites the row as it is.
        stmt(
            format!(
                "UPDATE sessions SET \
                   generation = CASE WHEN refresh_hash = ?5 THEN generation + 1 ELSE generation END, \
                   rotated_at = CASE WHEN refresh_hash = ?5 THEN ?3 ELSE rotated_at END, \
                   refresh_hash = CASE WHEN refresh_hash = ?5 THEN ?6 ELSE refresh_hash END \
                 WHERE {live} AND ((generation = ?4 AND refresh_hash = ?5) OR ({racing})) \
                 RETURNING id AS session_id, amr, refresh_hash, \
                   (SELECT {USER_JSON_SQL} FROM users u WHERE u.id = sessions.user_id) AS user"
            ),
            with_others,
        ),
        // After the first statement, a session past the presented generation was refreshed
        // by someone else: reuse. Not the previous generation within the grace, whatever its
        // successor: a racing tab served by an isolate that lacks the key the other tab's
        // successor was made with (a key rotation reaching isolates one by one) is refused
        // without signing both tabs out.
        stmt(
            format!(
                "UPDATE sessions SET revoked_at = ?3 WHERE {live} AND generation > ?4 AND NOT ({in_grace})"
            ),
            args(),
        ),
    ];
    let results = db.batch(batch).await?;
    refreshed(results.into_iter().next().unwrap_or_default())
}

/// The session a rotation returned, if any.
fn refreshed(rows: Vec<crate::app::store::Row>) -> Result<Option<Refreshed>, StoreError> {
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let user = text(row, "user").ok_or_else(|| corrupt("refreshed session", "no user"))?;
    Ok(Some(Refreshed {
        session_id: text(row, "session_id").unwrap_or_default(),
        amr: json_list(text(row, "amr"), "amr")?,
        user: user_from_json(&user)?,
        current_hash: text(row, "refresh_hash"),
    }))
}

/// [`rotate`] for a token of the first format: rotates the `refresh_tokens` row whose hash
/// is `hash` to one whose hash is `successor`, with the same grace and reuse rule. One round
/// trip, three writes: the successor's insert returns the session and its user.
pub async fn refresh_legacy<D: Db>(
    db: &D,
    pid: &str,
    (hash, successor): (&str, &str),
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
    refreshed(results.into_iter().nth(1).unwrap_or_default())
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
