//! Identities of a signed-in user: link a proven provider account (single use, as a
//! sign-in), unlink one but never the last.

use super::single_use::SingleUse;
use super::{int, one, user_from, user_select, LIVE_SESSION_USER};
use crate::app::store::{stmt, text, Db, StoreError};
use crate::app::vault::Vault;
use crate::domain::{ProvenIdentity, UserOut};

/// A proven provider account to attach to a signed-in user.
pub struct Link<'a> {
    pub project_id: &'a str,
    pub user_id: &'a str,
    pub sid: &'a str,
    pub provider: &'a str,
    pub identity: &'a ProvenIdentity,
    /// This request's claim on the single-use keys (random, unique per request).
    pub claim: &'a str,
    pub now: i64,
}

/// What linking or unlinking did.
#[derive(Debug)]
pub enum IdentityChange {
    /// Done: the user as they are now.
    Done(UserOut),
    /// The session behind the access token is revoked or expired.
    SessionGone,
    /// Link: the provider account belongs to another user (nothing linked).
    OwnedByAnother,
    /// Unlink: it is the user's last way to sign in (nothing removed).
    LastIdentity,
    /// Unlink: the user has no identity of this provider.
    NotLinked,
    /// Link: the id_token or nonce was already used (nothing linked).
    Replayed,
}

/// Links a verified provider account to the session's user, in one batch: the token's replay
/// keys, the identity (only while the session is live; a no-op when it is already this
/// user's), its owner and the user read back.
pub async fn link_identity<D: Db>(db: &D, l: &Link<'_>) -> Result<IdentityChange, StoreError> {
    link_identity_keeping(db, l, &Vault::Nothing).await
}

/// [`link_identity`], with the code exchange's provider tokens stored in the same batch when
/// the identity is (now) this user's.
pub async fn link_identity_keeping<D: Db>(
    db: &D,
    l: &Link<'_>,
    vault: &Vault,
) -> Result<IdentityChange, StoreError> {
    let id = l.identity;
    let once = SingleUse::new(l.project_id, l.claim, id.replay_keys());
    let mut batch = once.claims(l.now);
    batch.push(stmt(
        "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
         SELECT ?1, ?2, ?3, ?4, ?7, ?8, ?6 WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.id = ?5 AND s.user_id = ?4 \
         AND s.project_id = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?6) \
         ON CONFLICT (project_id, provider, subject) DO NOTHING",
        [
            l.project_id.into(),
            l.provider.into(),
            id.subject().into(),
            l.user_id.into(),
            l.sid.into(),
            l.now.into(),
            id.email().into(),
            id.email_trusted().into(),
        ],
    ));
    let key = [l.project_id, l.provider, id.subject()];
    batch.extend(super::vault::store(key, vault, Some(l.user_id), l.now));
    let read_at = batch.len();
    batch.push(stmt(
        "SELECT user_id FROM identities WHERE project_id = ?1 AND provider = ?2 AND subject = ?3",
        [l.project_id.into(), l.provider.into(), id.subject().into()],
    ));
    batch.push(stmt(
        user_select(LIVE_SESSION_USER),
        [
            l.project_id.into(),
            l.sid.into(),
            l.user_id.into(),
            l.now.into(),
        ],
    ));
    let Some(results) = once.run(db, batch, l.now).await? else {
        return Ok(IdentityChange::Replayed);
    };
    let owner = results
        .get(read_at)
        .and_then(|r| r.first())
        .and_then(|r| text(r, "user_id"));
    let user_rows = one(results, read_at + 1);
    let Some(user) = user_rows.first() else {
        return Ok(IdentityChange::SessionGone);
    };
    Ok(match owner {
        Some(owner) if owner == l.user_id => IdentityChange::Done(user_from(user)?),
        _ => IdentityChange::OwnedByAnother,
    })
}

/// Removes every identity of `provider` from the session's user, unless none of another
/// provider would remain. One batch: the guarded delete, what is left, the user read back.
pub async fn unlink_identity<D: Db>(
    db: &D,
    pid: &str,
    user_id: &str,
    sid: &str,
    provider: &str,
    now: i64,
) -> Result<IdentityChange, StoreError> {
    let results = db
        .batch(vec![
            stmt(
                "DELETE FROM identities WHERE project_id = ?1 AND user_id = ?2 AND provider = ?3 \
                 AND EXISTS (SELECT 1 FROM identities o WHERE o.project_id = ?1 AND o.user_id = ?2 AND o.provider <> ?3) \
                 AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = ?4 AND s.user_id = ?2 AND s.project_id = ?1 \
                 AND s.revoked_at IS NULL AND s.expires_at > ?5) RETURNING subject",
                [pid.into(), user_id.into(), provider.into(), sid.into(), now.into()],
            ),
            stmt(
                "SELECT count(*) AS n FROM identities WHERE project_id = ?1 AND user_id = ?2 AND provider = ?3",
                [pid.into(), user_id.into(), provider.into()],
            ),
            stmt(
                user_select(LIVE_SESSION_USER),
                [pid.into(), sid.into(), user_id.into(), now.into()],
            ),
        ])
        .await?;
    let removed = results.first().is_some_and(|r| !r.is_empty());
    let left = results
        .get(1)
        .and_then(|r| r.first())
        .and_then(|r| int(r, "n"))
        .unwrap_or(0);
    let user_rows = one(results, 2);
    let Some(user) = user_rows.first() else {
        return Ok(IdentityChange::SessionGone);
    };
    Ok(if removed {
        IdentityChange::Done(user_from(user)?)
    } else if left > 0 {
        IdentityChange::LastIdentity
    } else {
        IdentityChange::NotLinked
    })
}
