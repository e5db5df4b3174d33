//! The server-driven flow's started sign-ins (single use, 10 minutes) and its one-time
//! Kith codes (single use, 60 seconds), all stored as hashes. A Kith code leads to a session
//! (`flow_codes`) or, when the sign-in must verify its email first, to that verification
//! (`flow_verifications`).

use super::query;
use crate::app::store::{int, stmt, text, Db, StoreError};

/// Prunes expired server-driven sign-in states (when one starts).
pub const PURGE_OAUTH_STATES: &str = "DELETE FROM oauth_states WHERE expires_at < ?1";

/// A started sign-in, as `start` recorded it.
pub struct Started<'a> {
    pub state_hash: &'a str,
    pub project_id: &'a str,
    pub provider: &'a str,
    pub redirect_to: Option<&'a str>,
    /// The caller's S256 PKCE challenge for the Kith code.
    pub code_challenge: &'a str,
    /// The caller's opaque state, handed back with the Kith code.
    pub client_state: Option<&'a str>,
    pub expires_at: i64,
}

/// Remembers a started server-driven sign-in.
pub async fn create_oauth_state<D: Db>(db: &D, s: &Started<'_>) -> Result<(), StoreError> {
    db.batch(vec![
        stmt(PURGE_OAUTH_STATES, [(s.expires_at - 3600).into()]),
        stmt(
            "INSERT INTO oauth_states (state_hash, project_id, provider, redirect_to, expires_at, code_challenge, client_state) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            [
                s.state_hash.into(), s.project_id.into(), s.provider.into(), s.redirect_to.into(),
                s.expires_at.into(), s.code_challenge.into(), s.client_state.into(),
            ],
        ),
    ])
    .await?;
    Ok(())
}

/// What a callback finds of its started sign-in.
pub struct Taken {
    pub redirect_to: Option<String>,
    pub code_challenge: String,
    pub client_state: Option<String>,
}

/// Takes (deletes) a started sign-in if it existed for this project and provider, had not
/// expired and was bound to a caller. Single use: a second callback finds nothing.
pub async fn take_oauth_state<D: Db>(
    db: &D,
    state_hash: &str,
    pid: &str,
    provider: &str,
    now: i64,
) -> Result<Option<Taken>, StoreError> {
    let sql =
        "DELETE FROM oauth_states WHERE state_hash = ?1 AND project_id = ?2 AND provider = ?3 \
               RETURNING redirect_to, expires_at, code_challenge, client_state";
    let rows = query(db, sql, [state_hash.into(), pid.into(), provider.into()]).await?;
    Ok(rows
        .into_iter()
        .next()
        .filter(|r| int(r, "expires_at").is_some_and(|e| e > now))
        .and_then(|r| {
            Some(Taken {
                redirect_to: text(&r, "redirect_to"),
                code_challenge: text(&r, "code_challenge")?,
                client_state: text(&r, "client_state"),
            })
        }))
}

/// A one-time Kith code for a session the callback opened.
pub struct FlowCode<'a> {
    pub code_hash: &'a str,
    pub project_id: &'a str,
    pub session_id: &'a str,
    pub user_id: &'a str,
    pub code_challenge: &'a str,
    pub amr: &'a str,
    pub expires_at: i64,
}

/// Records a Kith code.
pub async fn create_code<D: Db>(db: &D, c: &FlowCode<'_>) -> Result<(), StoreError> {
    db.batch(vec![
        stmt("DELETE FROM flow_codes WHERE expires_at < ?1", [(c.expires_at - 3600).into()]),
        stmt(
            "INSERT INTO flow_codes (code_hash, project_id, session_id, user_id, code_challenge, amr, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            [
                c.code_hash.into(), c.project_id.into(), c.session_id.into(), c.user_id.into(),
                c.code_challenge.into(), c.amr.into(), c.expires_at.into(),
            ],
        ),
    ])
    .await?;
    Ok(())
}

/// A Kith code for a sign-in that must verify its email first.
pub struct VerificationCode<'a> {
    pub code_hash: &'a str,
    pub project_id: &'a str,
    pub code_challenge: &'a str,
    /// The masked address the code went to.
    pub email_hint: &'a str,
    pub expires_at: i64,
}

/// Records a Kith code that leads to an email verification.
pub async fn create_verification_code<D: Db>(
    db: &D,
    c: &VerificationCode<'_>,
) -> Result<(), StoreError> {
    db.batch(vec![
        stmt(
            "DELETE FROM flow_verifications WHERE expires_at < ?1",
            [(c.expires_at - 3600).into()],
        ),
        stmt(
            "INSERT INTO flow_verifications (code_hash, project_id, code_challenge, email_hint, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            [
                c.code_hash.into(), c.project_id.into(), c.code_challenge.into(),
                c.email_hint.into(), c.expires_at.into(),
            ],
        ),
    ])
    .await?;
    Ok(())
}

/// A Kith code taken for its exchange.
pub struct Redeemed {
    pub code_challenge: String,
    pub leads_to: LeadsTo,
}

/// What a Kith code stands for.
pub enum LeadsTo {
    Session {
        session_id: String,
        user_id: String,
        amr: String,
    },
    /// An email verification: the code went to `email_hint`.
    Verification { email_hint: String },
}

/// Takes (deletes) a Kith code of `pid` that has not expired, of either kind: any
/// presentation spends it, so a wrong verifier cannot be retried.
pub async fn take_code<D: Db>(
    db: &D,
    code_hash: &str,
    pid: &str,
    now: i64,
) -> Result<Option<Redeemed>, StoreError> {
    let mut results = db
        .batch(vec![
            stmt(
                "DELETE FROM flow_codes WHERE code_hash = ?1 AND project_id = ?2 \
                 RETURNING session_id, user_id, code_challenge, amr, expires_at",
                [code_hash.into(), pid.into()],
            ),
            stmt(
                "DELETE FROM flow_verifications WHERE code_hash = ?1 AND project_id = ?2 \
                 RETURNING code_challenge, email_hint, expires_at",
                [code_hash.into(), pid.into()],
            ),
        ])
        .await?;
    let verification = results.pop().unwrap_or_default().into_iter().next();
    let session = results.pop().unwrap_or_default().into_iter().next();
    let live = |r: &crate::app::store::Row| int(r, "expires_at").is_some_and(|e| e > now);
    if let Some(r) = session {
        return Ok(Some(r).filter(live).and_then(|r| {
            Some(Redeemed {
                code_challenge: text(&r, "code_challenge")?,
                leads_to: LeadsTo::Session {
                    session_id: text(&r, "session_id")?,
                    user_id: text(&r, "user_id")?,
                    amr: text(&r, "amr")?,
                },
            })
        }));
    }
    Ok(verification.filter(live).and_then(|r| {
        Some(Redeemed {
            code_challenge: text(&r, "code_challenge")?,
            leads_to: LeadsTo::Verification {
                email_hint: text(&r, "email_hint")?,
            },
        })
    }))
}
