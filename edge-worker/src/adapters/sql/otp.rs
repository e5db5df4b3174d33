//! Pending email verifications: created once the code was delivered, each try counted
//! before the code is compared, the code replaced on resend, and redeemed once — the
//! redemption links or creates the user and opens the session in one transaction.

use super::{one, user_from, user_select};
use crate::app::store::{int, stmt, text, Db, Row, Stmt, StoreError, Value};
use crate::domain::{ProvenIdentity, UserOut};

/// A verification to record (its code already delivered).
pub struct Pending<'a> {
    /// SHA-256 of the verification token (`app::otp::code::row_id`).
    pub id: &'a str,
    pub project_id: &'a str,
    pub provider: &'a str,
    pub identity: &'a ProvenIdentity,
    /// The user the identity joins once proven (`None`: a new user).
    pub link_to: Option<&'a str>,
    /// The code's keyed hash (`app::otp::code::keyed_hash`).
    pub code_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// Live verifications of `?2` in project `?1` at `?3`.
const LIVE_FOR_ADDRESS: &str =
    "SELECT count(*) FROM email_verifications WHERE project_id = ?1 AND email = ?2 AND expires_at > ?3";

/// How long wrong codes count against an address (dead rows are kept that long: `prune`).
pub const TRIES_WINDOW_SECS: i64 = 24 * 3600;

/// Tries at the codes of address `{email}` in project `{pid}` over the rows created since
/// `{since}` (the redeemed rows are deleted, so these are the wrong ones).
fn tries_for_address(pid: &str, email: &str, since: &str) -> String {
    format!(
        "SELECT coalesce(sum(attempts), 0) FROM email_verifications \
         WHERE project_id = {pid} AND email = {email} AND created_at > {since}"
    )
}

/// Why an address may not get a new verification.
#[derive(Debug, PartialEq, Eq)]
pub enum Address {
    Free,
    /// `max_live` verifications are alive.
    Busy,
    /// `max_tries` wrong codes in [`TRIES_WINDOW_SECS`].
    Guessed,
}

/// Whether the address may get a new verification.
pub async fn address_state<D: Db>(
    db: &D,
    pid: &str,
    email: &str,
    now: i64,
    (max_live, max_tries): (i64, i64),
) -> Result<Address, StoreError> {
    let tries = tries_for_address("?1", "?2", "?4");
    let sql = format!("SELECT ({LIVE_FOR_ADDRESS}) AS live, ({tries}) AS tries");
    let since = now - TRIES_WINDOW_SECS;
    let rows = super::query(
        db,
        sql,
        [pid.into(), email.into(), now.into(), since.into()],
    )
    .await?;
    let of = |k: &str| rows.first().and_then(|r| int(r, k)).unwrap_or_default();
    Ok(if of("tries") >= max_tries {
        Address::Guessed
    } else if of("live") >= max_live {
        Address::Busy
    } else {
        Address::Free
    })
}

/// Records a pending verification unless its address already has `max_live` alive (then
/// false, nothing written): the cap holds under concurrent sign-ins too.
pub async fn create<D: Db>(db: &D, v: &Pending<'_>, max_live: i64) -> Result<bool, StoreError> {
    let id = v.identity;
    let rows = super::query(
        db,
        format!(
            "INSERT INTO email_verifications (id, project_id, provider, subject, email, name, picture, link_to, code_hash, created_at, expires_at, sent_at) \
             SELECT ?4, ?1, ?5, ?6, ?2, ?7, ?8, ?9, ?10, ?3, ?11, ?3 WHERE ({LIVE_FOR_ADDRESS}) < ?12 RETURNING id"
        ),
        [
            v.project_id.into(), id.email().unwrap_or_default().into(), v.now.into(),
            v.id.into(), v.provider.into(), id.subject().into(), id.name().into(),
            id.picture().into(), v.link_to.into(), v.code_hash.into(), v.expires_at.into(),
            max_live.into(),
        ],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// A pending verification as stored.
#[derive(Debug, Clone)]
pub struct PendingRow {
    pub provider: String,
    pub subject: String,
    pub email: String,
    pub name: Option<String>,
    pub picture: Option<String>,
    pub link_to: Option<String>,
    pub code_hash: String,
    pub attempts: i64,
    pub expires_at: i64,
    pub sent_at: i64,
    pub resends: i64,
}

fn pending_from(row: &Row) -> PendingRow {
    PendingRow {
        provider: text(row, "provider").unwrap_or_default(),
        subject: text(row, "subject").unwrap_or_default(),
        email: text(row, "email").unwrap_or_default(),
        name: text(row, "name"),
        picture: text(row, "picture"),
        link_to: text(row, "link_to"),
        code_hash: text(row, "code_hash").unwrap_or_default(),
        attempts: int(row, "attempts").unwrap_or_default(),
        expires_at: int(row, "expires_at").unwrap_or_default(),
        sent_at: int(row, "sent_at").unwrap_or_default(),
        resends: int(row, "resends").unwrap_or_default(),
    }
}

const COLUMNS: &str =
    "provider, subject, email, name, picture, link_to, code_hash, attempts, expires_at, sent_at, resends";

/// What a try found.
#[derive(Debug)]
pub enum Tried {
    /// The try was counted (the row as it is now); the caller compares the code.
    Counted(PendingRow),
    /// No such verification, or already redeemed.
    Unknown,
    Expired,
    /// `max_attempts` tries were already made.
    Dead,
    /// The address had `max_tries` wrong codes in [`TRIES_WINDOW_SECS`] (over all its
    /// verifications).
    Guessed,
}

/// The limits a try is counted under.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Tries per verification.
    pub max_attempts: i64,
    /// Tries per address in [`TRIES_WINDOW_SECS`].
    pub max_tries: i64,
}

/// Counts one try of verification `id`, atomically and before any comparison: concurrent
/// guesses cannot exceed `max_attempts` per verification, nor `max_tries` per address.
pub async fn attempt<D: Db>(
    db: &D,
    id: &str,
    pid: &str,
    now: i64,
    limits: Limits,
) -> Result<Tried, StoreError> {
    let email = "(SELECT email FROM email_verifications WHERE id = ?1)";
    let tries = tries_for_address("?2", email, "?5");
    let since = now - TRIES_WINDOW_SECS;
    let mut results = db
        .batch(vec![
            stmt(
                format!(
                    "UPDATE email_verifications SET attempts = attempts + 1 WHERE id = ?1 AND project_id = ?2 \
                     AND redeemed_by IS NULL AND expires_at > ?3 AND attempts < ?4 AND ({tries}) < ?6 RETURNING {COLUMNS}"
                ),
                [
                    id.into(), pid.into(), now.into(), limits.max_attempts.into(), since.into(),
                    limits.max_tries.into(),
                ],
            ),
            stmt(
                format!("SELECT {COLUMNS} FROM email_verifications WHERE id = ?1 AND project_id = ?2 AND redeemed_by IS NULL"),
                [id.into(), pid.into()],
            ),
        ])
        .await?;
    let found = results.pop().unwrap_or_default();
    let counted = results.pop().unwrap_or_default();
    if let Some(row) = counted.first() {
        return Ok(Tried::Counted(pending_from(row)));
    }
    let Some(row) = found.first() else {
        return Ok(Tried::Unknown);
    };
    let r = pending_from(row);
    Ok(if r.attempts >= limits.max_attempts {
        Tried::Dead
    } else if r.expires_at <= now {
        Tried::Expired
    } else {
        Tried::Guessed
    })
}

/// The verification `id` if not yet redeemed.
pub async fn find<D: Db>(db: &D, id: &str, pid: &str) -> Result<Option<PendingRow>, StoreError> {
    let rows = super::query(
        db,
        format!("SELECT {COLUMNS} FROM email_verifications WHERE id = ?1 AND project_id = ?2 AND redeemed_by IS NULL"),
        [id.into(), pid.into()],
    )
    .await?;
    Ok(rows.first().map(pending_from))
}

/// A resend's new code for verification `id`.
pub struct Replace<'a> {
    pub id: &'a str,
    /// The code the resend read: the row must still hold it.
    pub old_hash: &'a str,
    pub new_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
    /// Tries that kill a verification (`app::otp::MAX_ATTEMPTS`).
    pub max_attempts: i64,
}

/// Replaces the code of `r.id` (a resend) if it still is `r.old_hash` and the verification
/// is still alive (fewer than `max_attempts` tries, not expired): the old code stops
/// working; the tries made so far still count (they are per verification). False when a
/// concurrent resend, redemption or last wrong guess won.
pub async fn replace_code<D: Db>(db: &D, r: &Replace<'_>) -> Result<bool, StoreError> {
    let rows = super::query(
        db,
        "UPDATE email_verifications SET code_hash = ?3, sent_at = ?4, expires_at = ?5, \
         resends = resends + 1 WHERE id = ?1 AND code_hash = ?2 AND redeemed_by IS NULL \
         AND attempts < ?6 AND expires_at > ?4 RETURNING id",
        [
            r.id.into(),
            r.old_hash.into(),
            r.new_hash.into(),
            r.now.into(),
            r.expires_at.into(),
            r.max_attempts.into(),
        ],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// A proven verification to turn into a session.
pub struct Redeem<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub row: &'a PendingRow,
    pub new_user_id: &'a str,
    pub session_id: &'a str,
    /// The new refresh token's hash: also this redemption's claim on the row.
    pub refresh_hash: &'a str,
    pub amr_json: &'a str,
    pub now: i64,
    pub session_expires_at: i64,
}

/// What a redemption did.
#[derive(Debug)]
pub enum Redeemed {
    SignedIn(UserOut),
    /// Another request redeemed the verification first: nothing was written.
    Taken,
    /// The verification is spent, but the email now belongs to a user this identity may not
    /// join (an owner appeared meanwhile): no user, identity or session was written.
    EmailTaken,
}

const KEY: &str = "project_id = ?1 AND provider = ?2 AND subject = ?3";
/// "This request claimed the row" (`?4` = row id, `?5` = claim).
const CLAIMED: &str =
    "EXISTS (SELECT 1 FROM email_verifications WHERE id = ?4 AND redeemed_by = ?5)";

/// The redemption's statements after the claim: every write holds only if this request
/// claimed the row.
fn writes(r: &Redeem<'_>) -> Vec<Stmt> {
    let v = r.row;
    let base = |extra: Vec<Value>| -> Vec<Value> {
        let head: Vec<Value> = vec![
            r.project_id.into(),
            v.provider.as_str().into(),
            v.subject.as_str().into(),
            r.id.into(),
            r.refresh_hash.into(),
        ];
        head.into_iter().chain(extra).collect()
    };
    let target = v.link_to.as_deref().unwrap_or(r.new_user_id);
    let mut batch = Vec::new();
    if v.link_to.is_none() {
        batch.push(stmt(
            format!(
                "INSERT INTO users (id, project_id, email, email_verified, name, picture, roles, created_at, last_sign_in_at) \
                 SELECT ?6, ?1, ?7, 1, ?8, ?9, '[]', ?10, ?10 WHERE {CLAIMED} \
                 AND NOT EXISTS (SELECT 1 FROM identities WHERE {KEY}) \
                 AND NOT EXISTS (SELECT 1 FROM users WHERE project_id = ?1 AND email = ?7 AND email_verified = 1)"
            ),
            base(vec![
                r.new_user_id.into(), v.email.as_str().into(), v.name.clone().into(),
                v.picture.clone().into(), r.now.into(),
            ]),
        ));
    }
    // The identity joins the user who owns the proven address (still its verified owner).
    batch.push(stmt(
        format!(
            "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
             SELECT ?1, ?2, ?3, u.id, ?7, 0, ?8 FROM users u WHERE {CLAIMED} AND u.id = ?6 AND u.project_id = ?1 \
             AND u.email = ?7 AND u.email_verified = 1 AND NOT EXISTS (SELECT 1 FROM identities WHERE {KEY}) \
             ON CONFLICT (project_id, provider, subject) DO NOTHING"
        ),
        base(vec![target.into(), v.email.as_str().into(), r.now.into()]),
    ));
    batch.push(stmt(
        format!("UPDATE users SET last_sign_in_at = ?6 WHERE {CLAIMED} AND id = (SELECT user_id FROM identities WHERE {KEY})"),
        base(vec![r.now.into()]),
    ));
    batch.push(stmt(
        format!(
            "INSERT INTO sessions (id, project_id, user_id, amr, created_at, expires_at, refresh_hash) \
             SELECT ?6, ?1, user_id, ?7, ?8, ?9, ?5 FROM identities WHERE {CLAIMED} AND {KEY}"
        ),
        base(vec![
            r.session_id.into(),
            r.amr_json.into(),
            r.now.into(),
            r.session_expires_at.into(),
        ]),
    ));
    batch
}

/// Redeems verification `r.id`: claims it (single use), links or creates, opens the
/// session, deletes the row and reads the user back — one transaction.
pub async fn redeem<D: Db>(db: &D, r: &Redeem<'_>) -> Result<Redeemed, StoreError> {
    let mut batch = vec![stmt(
        "UPDATE email_verifications SET redeemed_by = ?3 WHERE id = ?1 AND project_id = ?2 AND redeemed_by IS NULL RETURNING id",
        [r.id.into(), r.project_id.into(), r.refresh_hash.into()],
    )];
    batch.extend(writes(r));
    batch.push(stmt(
        "DELETE FROM email_verifications WHERE id = ?1 AND redeemed_by = ?2",
        [r.id.into(), r.refresh_hash.into()],
    ));
    let read_at = batch.len();
    batch.push(stmt(
        user_select("u.id = (SELECT user_id FROM sessions WHERE id = ?1)"),
        [r.session_id.into()],
    ));
    let results = db.batch(batch).await?;
    if results.first().is_none_or(Vec::is_empty) {
        return Ok(Redeemed::Taken);
    }
    match one(results, read_at).first() {
        Some(row) => Ok(Redeemed::SignedIn(user_from(row)?)),
        None => Ok(Redeemed::EmailTaken),
    }
}
