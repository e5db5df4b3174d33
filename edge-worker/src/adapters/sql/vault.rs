//! The provider-token vault's statements (`migrations/0009_provider_tokens.sql`): the upsert
//! that joins a sign-in or link batch, the read, and the refresh lease (a conditional UPDATE:
//! one request at a time renews a token at the provider; the others wait and re-read).

use super::{corrupt, int, json_list, one, query};
use crate::app::store::{stmt, text, Db, Row, Stmt, StoreError, Value};
use crate::app::vault::{SealedGrant, Vault};

const KEY: &str = "project_id = ?1 AND provider = ?2 AND subject = ?3";

/// The vault upsert of a sign-in or link batch (whose single-use claim makes it fail
/// whole on a replay): only when the identity exists (and, for a link, is `owner`'s). A
/// refresh token the answer lacks keeps the stored one; the lease is cleared.
pub fn store(
    [pid, provider, subject]: [&str; 3],
    vault: &Vault,
    owner: Option<&str>,
    now: i64,
) -> Option<Stmt> {
    let Vault::Store(g) = vault else {
        return None;
    };
    let owner_clause = if owner.is_some() {
        "AND user_id = ?9"
    } else {
        "AND ?9 IS NULL"
    };
    let sql = format!(
        "INSERT INTO provider_tokens (project_id, provider, subject, access_token_enc, refresh_token_enc, expires_at, scopes, updated_at) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM identities WHERE {KEY} {owner_clause} \
         ON CONFLICT (project_id, provider, subject) DO UPDATE SET access_token_enc = excluded.access_token_enc, \
         refresh_token_enc = COALESCE(excluded.refresh_token_enc, provider_tokens.refresh_token_enc), \
         expires_at = excluded.expires_at, scopes = excluded.scopes, version = provider_tokens.version + 1, \
         lease_id = NULL, lease_until = NULL, updated_at = excluded.updated_at"
    );
    Some(stmt(
        sql,
        grant_args([pid, provider, subject], g, now, owner),
    ))
}

fn grant_args(
    [pid, provider, subject]: [&str; 3],
    g: &SealedGrant,
    now: i64,
    last: Option<&str>,
) -> Vec<Value> {
    vec![
        pid.into(),
        provider.into(),
        subject.into(),
        g.access.as_str().into(),
        g.refresh.as_deref().into(),
        g.expires_at.into(),
        g.scopes_json.as_str().into(),
        now.into(),
        last.into(),
    ]
}

/// A stored token row, sealed values as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    pub subject: String,
    pub access_enc: String,
    pub refresh_enc: Option<String>,
    pub expires_at: Option<i64>,
    pub scopes: Vec<String>,
    pub version: i64,
    pub lease_until: Option<i64>,
}

fn stored_from(row: &Row) -> Result<Stored, StoreError> {
    Ok(Stored {
        subject: text(row, "subject").ok_or_else(|| corrupt("vault row", "no subject"))?,
        access_enc: text(row, "access_token_enc")
            .ok_or_else(|| corrupt("vault row", "no access token"))?,
        refresh_enc: text(row, "refresh_token_enc"),
        expires_at: int(row, "expires_at"),
        scopes: json_list(text(row, "scopes"), "vault scopes")?,
        version: int(row, "version").unwrap_or_default(),
        lease_until: int(row, "lease_until"),
    })
}

const COLUMNS: &str =
    "t.subject, t.access_token_enc, t.refresh_token_enc, t.expires_at, t.scopes, t.version, t.lease_until";

/// Who reads: a signed-in user through a live session, or the admin for a user.
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    Session { user_id: &'a str, sid: &'a str },
    Admin { user_id: &'a str },
}

/// What a read found.
#[derive(Debug)]
pub enum Found {
    Token(Stored),
    /// The user (and session) are there, but no token of this provider.
    Nothing,
    /// Session reader: the session is revoked or expired. Admin: no such user.
    NoReader,
}

/// The token of `user`'s identity of `provider` (the latest linked if several), and whether
/// the reader is live, in one batch.
pub async fn read<D: Db>(
    db: &D,
    pid: &str,
    provider: &str,
    reader: Reader<'_>,
    now: i64,
) -> Result<Found, StoreError> {
    let (user_id, sid) = match reader {
        Reader::Session { user_id, sid } => (user_id, Some(sid)),
        Reader::Admin { user_id } => (user_id, None),
    };
    let results = db
        .batch(vec![
            stmt(
                format!(
                    "SELECT {COLUMNS} FROM provider_tokens t JOIN identities i ON i.project_id = t.project_id \
                     AND i.provider = t.provider AND i.subject = t.subject \
                     WHERE i.project_id = ?1 AND i.user_id = ?2 AND i.provider = ?3 ORDER BY i.linked_at DESC LIMIT 1"
                ),
                [pid.into(), user_id.into(), provider.into()],
            ),
            stmt(
                "SELECT 1 AS live FROM users u WHERE u.project_id = ?1 AND u.id = ?2 AND (?3 IS NULL OR EXISTS \
                 (SELECT 1 FROM sessions s WHERE s.id = ?3 AND s.user_id = u.id AND s.project_id = ?1 \
                  AND s.revoked_at IS NULL AND s.expires_at > ?4))",
                [pid.into(), user_id.into(), sid.into(), now.into()],
            ),
        ])
        .await?;
    if results.get(1).is_none_or(Vec::is_empty) {
        return Ok(Found::NoReader);
    }
    match one(results, 0).first() {
        Some(row) => Ok(Found::Token(stored_from(row)?)),
        None => Ok(Found::Nothing),
    }
}

/// The row of one identity (a waiting request re-reads it), `None` if it is gone.
pub async fn reread<D: Db>(db: &D, key: [&str; 3]) -> Result<Option<Stored>, StoreError> {
    let rows = query(
        db,
        format!("SELECT {COLUMNS} FROM provider_tokens t WHERE {KEY}"),
        key.map(Value::from),
    )
    .await?;
    rows.first().map(stored_from).transpose()
}

/// Claims the refresh lease of the row at `version` until `until`, if no live lease holds it:
/// true for exactly one of any number of concurrent claims.
pub async fn claim_lease<D: Db>(
    db: &D,
    key: [&str; 3],
    version: i64,
    lease: &str,
    [now, until]: [i64; 2],
) -> Result<bool, StoreError> {
    let [pid, provider, subject] = key;
    let rows = query(
        db,
        format!(
            "UPDATE provider_tokens SET lease_id = ?5, lease_until = ?6 WHERE {KEY} AND version = ?4 \
             AND (lease_until IS NULL OR lease_until <= ?7) RETURNING version"
        ),
        [pid.into(), provider.into(), subject.into(), version.into(), lease.into(), until.into(), now.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// The renewed tokens, written only while `lease` is still held; false if it was lost.
pub async fn renewed<D: Db>(
    db: &D,
    key: [&str; 3],
    lease: &str,
    g: &SealedGrant,
    now: i64,
) -> Result<bool, StoreError> {
    let rows = query(
        db,
        format!(
            "UPDATE provider_tokens SET access_token_enc = ?4, refresh_token_enc = COALESCE(?5, refresh_token_enc), \
             expires_at = ?6, scopes = ?7, version = version + 1, lease_id = NULL, lease_until = NULL, updated_at = ?8 \
             WHERE {KEY} AND lease_id = ?9 RETURNING version"
        ),
        grant_args(key, g, now, Some(lease)),
    )
    .await?;
    Ok(!rows.is_empty())
}

/// Replaces a row's sealed tokens with their re-sealed values, if its access token is still
/// `old` (a concurrent renewal or re-seal wins).
pub async fn resealed<D: Db>(
    db: &D,
    key: [&str; 3],
    [old, new]: [&str; 2],
    refresh: Option<&str>,
) -> Result<(), StoreError> {
    let [pid, provider, subject] = key;
    query(
        db,
        format!(
            "UPDATE provider_tokens SET access_token_enc = ?5, refresh_token_enc = COALESCE(?6, refresh_token_enc) \
             WHERE {KEY} AND access_token_enc = ?4"
        ),
        [pid.into(), provider.into(), subject.into(), old.into(), new.into(), refresh.into()],
    )
    .await?;
    Ok(())
}

/// Gives the lease back (the provider failed; the token is kept).
pub async fn release<D: Db>(db: &D, key: [&str; 3], lease: &str) -> Result<(), StoreError> {
    let [pid, provider, subject] = key;
    query(
        db,
        format!("UPDATE provider_tokens SET lease_id = NULL, lease_until = NULL WHERE {KEY} AND lease_id = ?4"),
        [pid.into(), provider.into(), subject.into(), lease.into()],
    )
    .await?;
    Ok(())
}

/// Drops the row (the grant is revoked or the token dead): under `lease`, or at `version`
/// when no renewal was possible.
pub async fn drop_token<D: Db>(db: &D, key: [&str; 3], held: Held<'_>) -> Result<(), StoreError> {
    let [pid, provider, subject] = key;
    let (clause, arg): (&str, Value) = match held {
        Held::Lease(lease) => ("lease_id = ?4", lease.into()),
        Held::Version(v) => ("version = ?4", v.into()),
    };
    query(
        db,
        format!("DELETE FROM provider_tokens WHERE {KEY} AND {clause}"),
        [pid.into(), provider.into(), subject.into(), arg],
    )
    .await?;
    Ok(())
}

/// What entitles a write to a row: its lease, or the version it was read at.
#[derive(Debug, Clone, Copy)]
pub enum Held<'a> {
    Lease(&'a str),
    Version(i64),
}
