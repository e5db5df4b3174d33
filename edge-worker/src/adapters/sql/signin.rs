//! The sign-in batch, one round trip and one transaction of four statements: the single-use
//! claim ([`super::single_use`]); the user who signs in — found by (provider, subject), else
//! the email's owner or a new user per the precomputed linking decisions — created or marked
//! signed in; their identity; the session with its first refresh token's hash, returning the
//! user. When a
//! refusal would depend on the email's owner, a read of the owner ends the batch. (Pending
//! email verifications: [`super::otp`].)
//!
//! Each statement is one write with no guard of its own: on a replay the claim fails, and the
//! whole batch with it. Fewer statements is what a sign-in costs: each one is a step of
//! D1's work and, locally, a round of the simulator's bookkeeping.

use super::single_use::SingleUse;
use super::{corrupt, user_from_json, Args, USER_JSON_SQL};
use crate::app::store::{stmt, text, Db, Stmt, StoreError};
use crate::app::vault::Vault;
use crate::domain::{ProvenIdentity, UserOut};
use kith_claims::linking::{Grant, Refusal};

/// The verified facts of a sign-in and what to do in each case the database may be in.
pub struct SignIn<'a> {
    pub project_id: &'a str,
    pub provider: &'a str,
    pub identity: &'a ProvenIdentity,
    /// The email used to find the user who owns it (`None` when the provider's email does
    /// not take part in matching).
    pub match_email: Option<&'a str>,
    pub new_user_id: &'a str,
    pub session_id: &'a str,
    pub refresh_hash: &'a str,
    pub amr_json: &'a str,
    pub now: i64,
    pub session_expires_at: i64,
    /// The code exchange's provider tokens, stored for the identity when the sign-in holds.
    pub vault: &'a Vault,
    /// The linking decision if no user owns the email (from `kith_claims::linking`).
    pub if_no_owner: Result<Grant, Refusal>,
    /// The linking decision if a user owns the email.
    pub if_owner: Result<Grant, Refusal>,
}

/// What a sign-in batch did.
#[derive(Debug)]
pub enum SignInOutcome {
    SignedIn(UserOut),
    /// The id_token or nonce was already used: nothing was written.
    Replayed,
    Refused(Refusal),
}

/// Whether the decisions create a user when no one owns the email, and with which verified
/// flag.
fn creates(s: &SignIn<'_>) -> Option<bool> {
    match s.if_no_owner {
        Ok(Grant::Create { email_verified }) => Some(email_verified),
        _ => None,
    }
}

fn links(s: &SignIn<'_>) -> bool {
    matches!(s.if_owner, Ok(Grant::LinkToExisting { .. }))
}

/// The user the identity (provider, subject) belongs to, as a scalar subquery.
fn identity_user(pid: &str, provider: &str, subject: &str) -> String {
    format!(
        "(SELECT user_id FROM identities WHERE project_id = {pid} AND provider = {provider} AND subject = {subject})"
    )
}

/// The verified owner of `email` in project `pid`, as a scalar subquery.
fn verified_owner(pid: &str, email: &str) -> String {
    format!("(SELECT id FROM users WHERE project_id = {pid} AND email = {email} AND email_verified = 1)")
}

/// The user who signs in, in one upsert: the identity's user, else (when the decision links)
/// the email's verified owner, else (when it creates, and no one owns the email) a new user;
/// none of them: nothing is written. An existing user only gets `last_sign_in_at`: the
/// inserted row is a placeholder whose email is `NULL` for them, so it can never collide
/// with the verified-email index instead of the primary key.
fn user_upsert(s: &SignIn<'_>) -> Stmt {
    let id = s.identity;
    let mut a = Args::default();
    let (pid, provider, subject, now) = (
        a.bind(s.project_id),
        a.bind(s.provider),
        a.bind(id.subject()),
        a.bind(s.now),
    );
    let mut owners = vec![identity_user(&pid, &provider, &subject)];
    let create = creates(s);
    let email = (create.is_some() || links(s)).then(|| a.bind(s.match_email));
    let owner_of = |email: &str| verified_owner(&pid, email);
    let mut new_row = [
        "NULL".to_owned(),
        "0".to_owned(),
        "NULL".to_owned(),
        "NULL".to_owned(),
    ];
    let mut new_id = None;
    if let (true, Some(email)) = (links(s), &email) {
        owners.push(owner_of(email));
    }
    if let (Some(verified), Some(email)) = (create, &email) {
        let new = a.bind(s.new_user_id);
        owners.push(format!(
            "CASE WHEN NOT EXISTS {} THEN {new} END",
            owner_of(email)
        ));
        new_id = Some(new.clone());
        new_row = [
            format!("CASE WHEN t.id = {new} THEN {} END", a.bind(id.email())),
            format!(
                "CASE WHEN t.id = {new} THEN {} ELSE 0 END",
                a.bind(verified)
            ),
            a.bind(id.name()),
            a.bind(id.picture()),
        ];
    }
    owners.push("NULL".into()); // COALESCE takes at least two arguments.
                                // A new id that is already a user's (never, with random ids) must not merge into them:
                                // its `NULL` sign-in time fails `NOT NULL`, and the whole batch with it.
    let signed_in = match &new_id {
        Some(new) => {
            format!("CASE WHEN excluded.id IS {new} THEN NULL ELSE excluded.last_sign_in_at END")
        }
        None => "excluded.last_sign_in_at".to_owned(),
    };
    let [email_v, verified_v, name_v, picture_v] = new_row;
    stmt(
        format!(
            "INSERT INTO users (id, project_id, email, email_verified, name, picture, roles, created_at, last_sign_in_at) \
             SELECT t.id, {pid}, {email_v}, {verified_v}, {name_v}, {picture_v}, '[]', {now}, {now} \
             FROM (SELECT COALESCE({}) AS id) t WHERE t.id IS NOT NULL \
             ON CONFLICT (id) DO UPDATE SET last_sign_in_at = {signed_in}",
            owners.join(", ")
        ),
        a.into_values(),
    )
}

/// The identity, in one upsert: its owner is the user it already belongs to, else the user
/// this batch created, else (when the decision links) the email's verified owner; with none
/// of them nothing is written. An existing identity is rewritten only when the provider's
/// email facts changed: a row written is CPU and, on D1, billed.
fn identity_upsert(s: &SignIn<'_>) -> Stmt {
    let id = s.identity;
    let mut a = Args::default();
    let (pid, provider, subject) = (
        a.bind(s.project_id),
        a.bind(s.provider),
        a.bind(id.subject()),
    );
    let (email, trusted, now) = (
        a.bind(id.email()),
        a.bind(id.email_trusted()),
        a.bind(s.now),
    );
    let mut owners = vec![identity_user(&pid, &provider, &subject)];
    if creates(s).is_some() {
        owners.push(format!(
            "(SELECT id FROM users WHERE id = {})",
            a.bind(s.new_user_id)
        ));
    }
    if links(s) {
        owners.push(verified_owner(&pid, &a.bind(s.match_email)));
    }
    owners.push("NULL".into());
    stmt(
        format!(
            "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
             SELECT {pid}, {provider}, {subject}, u.id, {email}, {trusted}, {now} FROM users u WHERE u.id = COALESCE({}) \
             ON CONFLICT (project_id, provider, subject) DO UPDATE SET \
               email = excluded.email, email_verified = excluded.email_verified \
             WHERE identities.email IS NOT excluded.email OR identities.email_verified IS NOT excluded.email_verified",
            owners.join(", ")
        ),
        a.into_values(),
    )
}

/// The session of the identity's user, holding its first refresh token's hash, returning
/// the user as JSON ([`USER_JSON_SQL`]): no row when nothing was signed in.
fn session(s: &SignIn<'_>) -> Stmt {
    stmt(
        format!(
            "INSERT INTO sessions (id, project_id, user_id, amr, created_at, expires_at, refresh_hash) \
             SELECT ?4, ?1, user_id, ?5, ?6, ?7, ?8 FROM identities \
             WHERE project_id = ?1 AND provider = ?2 AND subject = ?3 \
             RETURNING (SELECT {USER_JSON_SQL} FROM users u WHERE u.id = sessions.user_id) AS user"
        ),
        [
            s.project_id.into(),
            s.provider.into(),
            s.identity.subject().into(),
            s.session_id.into(),
            s.amr_json.into(),
            s.now.into(),
            s.session_expires_at.into(),
            s.refresh_hash.into(),
        ],
    )
}

/// Runs the sign-in batch (see the module docs).
pub async fn sign_in<D: Db>(db: &D, s: &SignIn<'_>) -> Result<SignInOutcome, StoreError> {
    // The claim id: the new refresh token's hash, random and unique to this sign-in.
    let once = SingleUse::new(s.project_id, s.refresh_hash, s.identity.replay_keys());
    let mut batch = once.claims(s.now);
    batch.push(user_upsert(s));
    batch.push(identity_upsert(s));
    batch.push(session(s));
    let read_at = batch.len() - 1;
    let key3 = [s.project_id, s.provider, s.identity.subject()];
    batch.extend(super::vault::store(key3, s.vault, None, s.now));
    let owner_at = needs_owner(s).map(|email| {
        batch.push(stmt(
            "SELECT id FROM users WHERE project_id = ?1 AND email = ?2 AND email_verified = 1",
            [s.project_id.into(), email.into()],
        ));
        batch.len() - 1
    });
    let Some(results) = once.run(db, batch, s.now).await? else {
        return Ok(SignInOutcome::Replayed);
    };
    let first_text = |at: usize, column: &str| {
        results
            .get(at)
            .and_then(|rows| rows.first())
            .and_then(|row| text(row, column))
    };
    if let Some(user) = first_text(read_at, "user") {
        return Ok(SignInOutcome::SignedIn(user_from_json(&user)?));
    }
    refusal(s, owner_at.and_then(|at| first_text(at, "id")))
}

/// The email whose verified owner a refusal needs, read in the batch after its writes (so in
/// the transaction that decided): when both decisions refuse (the owner says which holds) or
/// the owner's asks for a verification that links to the owner. A single refusal needs no
/// read: nothing signed in means the other decision, a grant, did not hold.
fn needs_owner<'a>(s: &SignIn<'a>) -> Option<&'a str> {
    let links_to_owner = matches!(s.if_owner, Err(Refusal::EmailVerificationRequired { .. }));
    let both = s.if_no_owner.is_err() && s.if_owner.is_err();
    s.match_email.filter(|_| both || links_to_owner)
}

/// Nothing signed in: the decision that held. A grant that wrote nothing means the rows
/// changed under the batch's feet (a concurrent delete), reported as such.
fn refusal(s: &SignIn<'_>, owner: Option<String>) -> Result<SignInOutcome, StoreError> {
    let decision = match (&s.if_no_owner, &s.if_owner) {
        // Only the owner's decision refuses, so there is an owner.
        (Ok(_), Err(_)) => owned(s.if_owner.clone(), owner),
        (Err(_), Err(_)) if owner.is_some() => owned(s.if_owner.clone(), owner),
        _ => s.if_no_owner.clone(),
    };
    match decision {
        Err(refusal) => Ok(SignInOutcome::Refused(refusal)),
        Ok(grant) => Err(corrupt(
            "sign-in batch",
            format!("wrote nothing for {grant:?}"),
        )),
    }
}

/// The owner's decision, with a verification linking to the owner the batch read.
fn owned(decision: Result<Grant, Refusal>, owner: Option<String>) -> Result<Grant, Refusal> {
    match decision {
        Err(Refusal::EmailVerificationRequired { .. }) => {
            Err(Refusal::EmailVerificationRequired { link_to: owner })
        }
        other => other,
    }
}
