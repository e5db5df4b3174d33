//! The sign-in batch: single-use keys, then find by (provider, subject), else create or link
//! per the precomputed linking decisions, open the session and read the user back — one
//! round trip, one transaction. (Pending email verifications: [`super::otp`].)

use super::{corrupt, one, user_from, user_select, USER_COLUMNS};
use crate::app::store::{stmt, text, Db, Row, Stmt, StoreError, Value};
use crate::app::vault::Vault;
use crate::domain::identity::ReplayKey;
use crate::domain::{ProvenIdentity, UserOut};
use kith_claims::linking::{Grant, Refusal};

/// Makes an id_token and a nonce single-use inside a batch: one statement claims every key,
/// tagged with this request's `claim` id — a key no one holds is inserted, an expired one is
/// taken over (the scheduled prune deletes the rest), a live one is left alone. The batch's
/// writes carry [`SingleUse::guard`], so they happen only if every key was claimed by this
/// request. A replayed key is then a result ([`SingleUse::replayed`]), and nothing is written.
pub struct SingleUse<'a> {
    project_id: &'a str,
    claim: &'a str,
    keys: &'a [ReplayKey],
}

impl<'a> SingleUse<'a> {
    pub fn new(project_id: &'a str, claim: &'a str, keys: &'a [ReplayKey]) -> Self {
        Self {
            project_id,
            claim,
            keys,
        }
    }

    /// The batch's first statement (index 0): the claim of every key, returning the keys
    /// this request now holds.
    pub fn claims(&self, now: i64) -> Vec<Stmt> {
        let mut args: Vec<Value> = vec![self.project_id.into(), self.claim.into(), now.into()];
        let mut rows = Vec::with_capacity(self.keys.len());
        for k in self.keys {
            let at = args.len();
            rows.push(format!("(?1, ?{}, ?{}, ?2)", at + 1, at + 2));
            args.push(k.key.as_str().into());
            args.push(k.keep_until.into());
        }
        if rows.is_empty() {
            return Vec::new();
        }
        vec![stmt(
            format!(
                "INSERT INTO used_tokens (project_id, key, expires_at, claimed_by) VALUES {} \
                 ON CONFLICT (project_id, key) DO UPDATE SET expires_at = excluded.expires_at, \
                   claimed_by = excluded.claimed_by WHERE used_tokens.expires_at < ?3 \
                 RETURNING key",
                rows.join(", ")
            ),
            args,
        )]
    }

    /// `sql` with `{fresh}` replaced by the condition "every key is this request's", as a
    /// statement whose `?1` is the project id (the claim id and the keys are bound after
    /// `args`). The keys are looked up by primary key: counting the project's rows claimed by
    /// this request instead walked every live key of the project, once per guarded write.
    pub fn guard(&self, sql: &str, mut args: Vec<Value>) -> Stmt {
        let at = args.len() + 1;
        let n = self.keys.len();
        let keys: Vec<String> = (1..=n).map(|i| format!("?{}", at + i)).collect();
        let fresh = format!(
            "(SELECT count(*) FROM used_tokens WHERE project_id = ?1 AND key IN ({}) AND claimed_by = ?{at}) = {n}",
            keys.join(", ")
        );
        args.push(self.claim.into());
        args.extend(self.keys.iter().map(|k| Value::from(k.key.as_str())));
        stmt(sql.replace("{fresh}", &fresh), args)
    }

    /// Whether a key was already used, from the results of [`SingleUse::claims`].
    pub fn replayed(&self, results: &[Vec<Row>]) -> bool {
        let claimed = if self.keys.is_empty() {
            0
        } else {
            results.first().map_or(0, Vec::len)
        };
        claimed < self.keys.len()
    }
}

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

const KEY: &str = "project_id = ?1 AND provider = ?2 AND subject = ?3";

/// The writes: create or link per the decisions, refresh the identity, open the session.
fn writes(s: &SignIn<'_>, once: &SingleUse<'_>) -> Vec<Stmt> {
    let id = s.identity;
    let key =
        || -> Vec<Value> { vec![s.project_id.into(), s.provider.into(), id.subject().into()] };
    let with = |extra: Vec<Value>| -> Vec<Value> { key().into_iter().chain(extra).collect() };
    let owner_clause =
        "SELECT 1 FROM users WHERE project_id = ?1 AND email = ?10 AND email_verified = 1";
    let mut batch = Vec::new();
    if let Ok(Grant::Create { email_verified }) = s.if_no_owner {
        batch.push(once.guard(
            &format!(
                "INSERT INTO users (id, project_id, email, email_verified, name, picture, roles, created_at, last_sign_in_at) \
                 SELECT ?4, ?1, ?5, ?6, ?7, ?8, '[]', ?9, ?9 \
                 WHERE {{fresh}} AND NOT EXISTS (SELECT 1 FROM identities WHERE {KEY}) AND NOT EXISTS ({owner_clause})"
            ),
            with(vec![
                s.new_user_id.into(),
                id.email().into(),
                email_verified.into(),
                id.name().into(),
                id.picture().into(),
                s.now.into(),
                s.match_email.into(),
            ]),
        ));
        batch.push(stmt(
            "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?4) \
             ON CONFLICT (project_id, provider, subject) DO NOTHING",
            with(vec![s.new_user_id.into(), id.email().into(), id.email_trusted().into(), s.now.into()]),
        ));
    }
    if let Ok(Grant::LinkToExisting { .. }) = s.if_owner {
        batch.push(once.guard(
            &format!(
                "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
                 SELECT ?1, ?2, ?3, u.id, ?4, ?5, ?6 FROM users u \
                 WHERE {{fresh}} AND u.project_id = ?1 AND u.email = ?4 AND u.email_verified = 1 \
                   AND NOT EXISTS (SELECT 1 FROM identities WHERE {KEY}) \
                 ON CONFLICT (project_id, provider, subject) DO NOTHING"
            ),
            with(vec![s.match_email.into(), id.email_trusted().into(), s.now.into()]),
        ));
    }
    let identity_user = format!("(SELECT user_id FROM identities WHERE {KEY})");
    batch.push(once.guard(
        // Only when the provider's facts changed: a row written is CPU and, on D1, billed.
        &format!(
            "UPDATE identities SET email = ?4, email_verified = ?5 WHERE {{fresh}} AND {KEY} \
             AND (email IS NOT ?4 OR email_verified IS NOT ?5)"
        ),
        with(vec![id.email().into(), id.email_trusted().into()]),
    ));
    batch.push(once.guard(
        &format!("UPDATE users SET last_sign_in_at = ?4 WHERE {{fresh}} AND id = {identity_user}"),
        with(vec![s.now.into()]),
    ));
    batch.push(once.guard(
        &format!(
            "INSERT INTO sessions (id, project_id, user_id, amr, created_at, expires_at) \
             SELECT ?4, ?1, user_id, ?5, ?6, ?7 FROM identities WHERE {{fresh}} AND {KEY}"
        ),
        with(vec![
            s.session_id.into(),
            s.amr_json.into(),
            s.now.into(),
            s.session_expires_at.into(),
        ]),
    ));
    batch.push(stmt(
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at) SELECT ?1, id, ?2 FROM sessions WHERE id = ?3",
        [s.refresh_hash.into(), s.now.into(), s.session_id.into()],
    ));
    batch
}

/// Runs the sign-in batch (see the module docs).
pub async fn sign_in<D: Db>(db: &D, s: &SignIn<'_>) -> Result<SignInOutcome, StoreError> {
    // The claim id: the new refresh token's hash, random and unique to this sign-in.
    let once = SingleUse::new(s.project_id, s.refresh_hash, s.identity.replay_keys());
    let mut batch = once.claims(s.now);
    batch.extend(writes(s, &once));
    let key3 = [s.project_id, s.provider, s.identity.subject()];
    batch.extend(super::vault::store(&once, key3, s.vault, None, s.now));
    let read_at = batch.len();
    let key: Vec<Value> = vec![
        s.project_id.into(),
        s.provider.into(),
        s.identity.subject().into(),
        s.match_email.into(),
    ];
    // One row: the user signed in (all NULLs if none) and the email's verified owner.
    let identity_user = format!("(SELECT user_id FROM identities WHERE {KEY})");
    let user = user_select(&format!("u.id = {identity_user}"));
    let owner =
        "(SELECT id FROM users WHERE project_id = ?1 AND email = ?4 AND email_verified = 1)";
    let nulls = ["NULL"; USER_COLUMNS].join(", ");
    batch.push(stmt(
        format!(
            "SELECT {owner} AS owner, * FROM ({user}) UNION ALL SELECT {owner}, {nulls} \
             WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = {identity_user})"
        ),
        key,
    ));
    let results = db.batch(batch).await?;
    if once.replayed(&results) {
        return Ok(SignInOutcome::Replayed);
    }
    let rows = one(results, read_at);
    let row = rows.first();
    if let Some(row) = row.filter(|r| text(r, "id").is_some()) {
        return Ok(SignInOutcome::SignedIn(user_from(row)?));
    }
    let owner = row.and_then(|r| text(r, "owner"));
    refusal(s, owner)
}

/// Nothing signed in: the decision that held. A grant that wrote nothing means the rows
/// changed under the batch's feet (a concurrent delete), reported as such.
fn refusal(s: &SignIn<'_>, owner: Option<String>) -> Result<SignInOutcome, StoreError> {
    let decision = match owner {
        Some(owner) => match s.if_owner.clone() {
            Err(Refusal::EmailVerificationRequired { .. }) => {
                Err(Refusal::EmailVerificationRequired {
                    link_to: Some(owner),
                })
            }
            other => other,
        },
        None => s.if_no_owner.clone(),
    };
    match decision {
        Err(refusal) => Ok(SignInOutcome::Refused(refusal)),
        Ok(grant) => Err(corrupt(
            "sign-in batch",
            format!("wrote nothing for {grant:?}"),
        )),
    }
}
