//! Every SQL statement of the Worker, written once against the [`Db`] port.
//!
//! Round trips per operation: a sign-in is two (the configuration batch, which also counts
//! the rate limit, and one sign-in batch that finds, links or creates the user, opens the
//! session and reads the user back, in one transaction); a refresh is two.

use crate::db::{int, stmt, text, Db, DbError, Row, Stmt, Value};
use crate::error::{ApiError, ApiResult};
use crate::model::{IdentityOut, Project, ProjectSettings, Provider, ProviderConfig, UserOut};
use kith_claims::LinkDecision;

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unique(m) | DbError::Other(m) => ApiError::Internal(format!("database: {m}")),
        }
    }
}

fn json_list(text: Option<String>, what: &str) -> ApiResult<Vec<String>> {
    serde_json::from_str(text.as_deref().unwrap_or("[]"))
        .map_err(|e| ApiError::Internal(format!("stored {what} is not a JSON list: {e}")))
}

fn one(mut results: Vec<Vec<Row>>, index: usize) -> Vec<Row> {
    if index < results.len() {
        results.swap_remove(index)
    } else {
        Vec::new()
    }
}

fn project_from(row: &Row) -> ApiResult<Project> {
    let settings: ProjectSettings =
        serde_json::from_str(&text(row, "settings").unwrap_or_else(|| "{}".into()))
            .map_err(|e| ApiError::Internal(format!("stored project settings: {e}")))?;
    Ok(Project {
        id: text(row, "id").unwrap_or_default(),
        name: text(row, "name").unwrap_or_default(),
        allowed_origins: json_list(text(row, "allowed_origins"), "allowed_origins")?,
        redirect_urls: json_list(text(row, "redirect_urls"), "redirect_urls")?,
        self_registration: int(row, "self_registration") == Some(1),
        settings,
    })
}

fn provider_from(row: &Row) -> ApiResult<Provider> {
    let config: ProviderConfig = serde_json::from_str(&text(row, "config").unwrap_or_default())
        .map_err(|e| ApiError::Internal(format!("stored provider config is invalid: {e}")))?;
    Ok(Provider {
        name: text(row, "provider").unwrap_or_default(),
        enabled: int(row, "enabled") == Some(1),
        config,
        client_secret_enc: text(row, "client_secret_enc"),
    })
}

const PROJECT_SQL: &str = "SELECT id, name, allowed_origins, redirect_urls, self_registration, settings FROM projects WHERE id = ?1";
const PROVIDERS_SQL: &str =
    "SELECT provider, enabled, config, client_secret_enc FROM providers WHERE project_id = ?1";

/// A project with its providers, and the rate-limit count of this request.
pub struct Config {
    pub project: Project,
    pub providers: Vec<Provider>,
    /// Requests of this client in the current minute, this one included.
    pub rate_count: Option<i64>,
}

impl Config {
    /// The provider `name` if it is configured and enabled (`422 provider_not_enabled`).
    pub fn enabled_provider(&self, name: &str) -> ApiResult<&Provider> {
        self.providers
            .iter()
            .find(|p| p.name == name && p.enabled)
            .ok_or_else(|| ApiError::ProviderNotEnabled(name.to_owned()))
    }
}

/// Runs one statement and returns its rows.
async fn query<D: Db>(
    db: &D,
    sql: impl Into<String>,
    args: impl IntoIterator<Item = Value>,
) -> ApiResult<Vec<Row>> {
    Ok(db
        .batch(vec![stmt(sql, args)])
        .await?
        .into_iter()
        .next()
        .unwrap_or_default())
}

/// Prunes a project's rate-limit counters of past windows (in the configuration batch).
pub const PURGE_RATE_LIMITS: &str =
    "DELETE FROM rate_limits WHERE project_id = ?1 AND window_start < ?2";
/// Prunes a project's expired single-use keys (in every sign-in batch).
pub const PURGE_USED_TOKENS: &str =
    "DELETE FROM used_tokens WHERE project_id = ?1 AND expires_at < ?2";
/// Prunes expired server-driven sign-in states (when one starts).
pub const PURGE_OAUTH_STATES: &str = "DELETE FROM oauth_states WHERE expires_at < ?1";

/// One round trip: the project, its providers, and (with `rate`) the rate-limit counter
/// `(key, window_start)` incremented.
pub async fn load_config<D: Db>(db: &D, pid: &str, rate: Option<(&str, i64)>) -> ApiResult<Config> {
    let mut batch = vec![
        stmt(PROJECT_SQL, [pid.into()]),
        stmt(PROVIDERS_SQL, [pid.into()]),
    ];
    if let Some((key, window)) = rate {
        // Counters of windows older than an hour are dead weight: pruned in the same batch.
        batch.push(stmt(
            PURGE_RATE_LIMITS,
            [pid.into(), (window - 3600).into()],
        ));
        batch.push(stmt(
            "INSERT INTO rate_limits (project_id, key, window_start, count) \
             SELECT ?1, ?2, ?3, 1 WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?1) \
             ON CONFLICT (project_id, key) DO UPDATE SET \
               count = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.count + 1 ELSE 1 END, \
               window_start = excluded.window_start \
             RETURNING count",
            [pid.into(), key.into(), window.into()],
        ));
    }
    let mut results = db.batch(batch).await?.into_iter();
    let project_rows = results.next().unwrap_or_default();
    let provider_rows = results.next().unwrap_or_default();
    let rate_count = results
        .nth(1) // after the prune
        .and_then(|r| r.first().and_then(|r| int(r, "count")));
    let project = project_from(project_rows.first().ok_or(ApiError::ProjectNotFound)?)?;
    let providers = provider_rows
        .iter()
        .map(provider_from)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Config {
        project,
        providers,
        rate_count,
    })
}

// ---- users -------------------------------------------------------------------------------

/// `SELECT` of the CONTRACT user (with identities as JSON) for users matching `condition`.
fn user_select(condition: &str) -> String {
    format!(
        "SELECT u.id, u.email, u.email_verified, u.name, u.picture, u.roles, u.created_at, u.last_sign_in_at, \
         (SELECT json_group_array(json_object('provider', i.provider, 'subject', i.subject, 'email', i.email, \
           'email_verified', i.email_verified, 'linked_at', i.linked_at)) \
          FROM identities i WHERE i.user_id = u.id) AS identities \
         FROM users u WHERE {condition}"
    )
}

#[derive(serde::Deserialize)]
struct IdentityRow {
    provider: String,
    subject: String,
    email: Option<String>,
    email_verified: i64,
    linked_at: i64,
}

fn user_from(row: &Row) -> ApiResult<UserOut> {
    let identities: Vec<IdentityRow> =
        serde_json::from_str(&text(row, "identities").unwrap_or_else(|| "[]".into()))
            .map_err(|e| ApiError::Internal(format!("identities JSON: {e}")))?;
    let mut identities: Vec<IdentityOut> = identities
        .into_iter()
        .map(|i| IdentityOut {
            provider: i.provider,
            subject: i.subject,
            email: i.email,
            email_verified: i.email_verified != 0,
            linked_at: i.linked_at,
        })
        .collect();
    identities.sort_by(|a, b| (a.linked_at, &a.provider).cmp(&(b.linked_at, &b.provider)));
    Ok(UserOut {
        id: text(row, "id").unwrap_or_default(),
        email: text(row, "email"),
        email_verified: int(row, "email_verified") == Some(1),
        name: text(row, "name"),
        picture: text(row, "picture"),
        roles: json_list(text(row, "roles"), "roles")?,
        identities,
        created_at: int(row, "created_at").unwrap_or_default(),
        last_sign_in_at: int(row, "last_sign_in_at").unwrap_or_default(),
    })
}

// ---- sign-in -----------------------------------------------------------------------------

/// The verified facts of a sign-in and what to do in each case the database may be in.
pub struct SignIn<'a> {
    pub project_id: &'a str,
    pub provider: &'a str,
    pub subject: &'a str,
    /// Lower-cased email as the provider states it (stored on a new user and the identity).
    pub email: Option<&'a str>,
    /// The email used to find the user who owns it (`None` when the provider's email does
    /// not take part in matching).
    pub match_email: Option<&'a str>,
    /// Whether the provider vouches for it.
    pub email_trusted: bool,
    pub name: Option<&'a str>,
    pub picture: Option<&'a str>,
    pub new_user_id: &'a str,
    pub session_id: &'a str,
    pub refresh_hash: &'a str,
    pub amr_json: &'a str,
    pub now: i64,
    pub session_expires_at: i64,
    /// Single-use keys (hashed nonce, hashed id_token) and how long to remember them.
    pub replay_keys: &'a [(String, i64)],
    /// The linking decision if no user owns the email (from `kith_claims::linking`).
    pub if_no_owner: LinkDecision,
    /// The linking decision if a user owns the email.
    pub if_owner: LinkDecision,
}

/// What a sign-in batch did.
#[derive(Debug)]
pub enum SignInOutcome {
    SignedIn(UserOut),
    Refused(LinkDecision),
}

/// The start of a batch that makes an id_token and a nonce single-use: expired keys pruned,
/// these keys inserted (a key already present fails the whole batch, see [`consuming`]).
fn single_use(pid: &str, now: i64, keys: &[(String, i64)]) -> Vec<Stmt> {
    let mut batch = vec![stmt(PURGE_USED_TOKENS, [pid.into(), now.into()])];
    for (k, expires) in keys {
        batch.push(stmt(
            "INSERT INTO used_tokens (project_id, key, expires_at) VALUES (?1, ?2, ?3)",
            [pid.into(), k.into(), (*expires).into()],
        ));
    }
    batch
}

/// Runs a batch that starts with [`single_use`]: a replayed key rolls it all back and is
/// refused as `invalid_social_login`.
async fn consuming<D: Db>(db: &D, batch: Vec<Stmt>) -> ApiResult<Vec<Vec<Row>>> {
    match db.batch(batch).await {
        Ok(r) => Ok(r),
        Err(DbError::Unique(m)) if m.contains("used_tokens") => Err(ApiError::InvalidSocialLogin(
            "replayed nonce or id_token".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// One round trip, one transaction: single-use keys, then find by (provider, subject), else
/// create or link per the precomputed decisions (the SQL only picks the branch the database
/// state selects), then open the session and read the user back.
pub async fn sign_in<D: Db>(db: &D, s: &SignIn<'_>) -> ApiResult<SignInOutcome> {
    const KEY: &str = "project_id = ?1 AND provider = ?2 AND subject = ?3";
    let key = || -> Vec<Value> { vec![s.project_id.into(), s.provider.into(), s.subject.into()] };
    let with = |extra: Vec<Value>| -> Vec<Value> { key().into_iter().chain(extra).collect() };
    let mut batch = single_use(s.project_id, s.now, s.replay_keys);
    let owner_clause =
        "SELECT 1 FROM users WHERE project_id = ?1 AND email = ?10 AND email_verified = 1";
    if let LinkDecision::Create { email_verified } = s.if_no_owner {
        batch.push(stmt(
            format!(
                "INSERT INTO users (id, project_id, email, email_verified, name, picture, roles, created_at, last_sign_in_at) \
                 SELECT ?4, ?1, ?5, ?6, ?7, ?8, '[]', ?9, ?9 \
                 WHERE NOT EXISTS (SELECT 1 FROM identities WHERE {KEY}) AND NOT EXISTS ({owner_clause})"
            ),
            with(vec![
                s.new_user_id.into(),
                s.email.into(),
                email_verified.into(),
                s.name.into(),
                s.picture.into(),
                s.now.into(),
                s.match_email.into(),
            ]),
        ));
        batch.push(stmt(
            "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?4) \
             ON CONFLICT (project_id, provider, subject) DO NOTHING",
            with(vec![s.new_user_id.into(), s.email.into(), s.email_trusted.into(), s.now.into()]),
        ));
    }
    if let LinkDecision::LinkToExisting { .. } = s.if_owner {
        batch.push(stmt(
            format!(
                "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
                 SELECT ?1, ?2, ?3, u.id, ?4, ?5, ?6 FROM users u \
                 WHERE u.project_id = ?1 AND u.email = ?4 AND u.email_verified = 1 \
                   AND NOT EXISTS (SELECT 1 FROM identities WHERE {KEY}) \
                 ON CONFLICT (project_id, provider, subject) DO NOTHING"
            ),
            with(vec![s.match_email.into(), s.email_trusted.into(), s.now.into()]),
        ));
    }
    let identity_user = format!("(SELECT user_id FROM identities WHERE {KEY})");
    batch.push(stmt(
        format!("UPDATE identities SET email = ?4, email_verified = ?5 WHERE {KEY}"),
        with(vec![s.email.into(), s.email_trusted.into()]),
    ));
    batch.push(stmt(
        format!("UPDATE users SET last_sign_in_at = ?4 WHERE id = {identity_user}"),
        with(vec![s.now.into()]),
    ));
    batch.push(stmt(
        format!(
            "INSERT INTO sessions (id, project_id, user_id, amr, created_at, expires_at) \
             SELECT ?4, ?1, user_id, ?5, ?6, ?7 FROM identities WHERE {KEY}"
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
    let read_at = batch.len();
    batch.push(stmt(user_select(&format!("u.id = {identity_user}")), key()));
    batch.push(stmt(
        "SELECT id FROM users WHERE project_id = ?1 AND email = ?2 AND email_verified = 1",
        [s.project_id.into(), s.match_email.into()],
    ));
    let results = consuming(db, batch).await?;
    let owner = results
        .get(read_at + 1)
        .and_then(|r| r.first())
        .and_then(|r| text(r, "id"));
    let user_rows = one(results, read_at);
    if let Some(row) = user_rows.first() {
        return Ok(SignInOutcome::SignedIn(user_from(row)?));
    }
    let decision = match owner {
        Some(owner) => match s.if_owner.clone() {
            LinkDecision::EmailVerificationRequired { .. } => {
                LinkDecision::EmailVerificationRequired {
                    link_to: Some(owner),
                }
            }
            other => other,
        },
        None => s.if_no_owner.clone(),
    };
    match decision {
        refusal @ (LinkDecision::EmailInUse
        | LinkDecision::EmailVerificationRequired { .. }
        | LinkDecision::SignupDisabled
        | LinkDecision::SignInDisabled) => Ok(SignInOutcome::Refused(refusal)),
        other => Err(ApiError::Internal(format!(
            "sign-in batch wrote nothing for {other:?}"
        ))),
    }
}

/// Records a pending email verification (the OTP itself is delivered by a later flow).
pub struct PendingVerification<'a> {
    pub id: &'a str,
    pub project_id: &'a str,
    pub provider: &'a str,
    pub subject: &'a str,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub picture: Option<&'a str>,
    pub link_to: Option<&'a str>,
    pub code_hash: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn create_email_verification<D: Db>(
    db: &D,
    v: &PendingVerification<'_>,
) -> ApiResult<()> {
    db.batch(vec![stmt(
        "INSERT INTO email_verifications (id, project_id, provider, subject, email, name, picture, link_to, code_hash, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        [
            v.id.into(), v.project_id.into(), v.provider.into(), v.subject.into(), v.email.into(), v.name.into(),
            v.picture.into(), v.link_to.into(), v.code_hash.into(), v.now.into(), v.expires_at.into(),
        ],
    )])
    .await?;
    Ok(())
}

// ---- sessions ----------------------------------------------------------------------------

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
) -> ApiResult<Option<Refreshed>> {
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
        stmt(
            "SELECT s.id AS session_id, s.amr AS amr, s.user_id AS user_id FROM refresh_tokens r \
             JOIN sessions s ON s.id = r.session_id \
             WHERE r.token_hash = ?1 AND s.project_id = ?2 AND s.revoked_at IS NULL AND s.expires_at > ?3 \
               AND EXISTS (SELECT 1 FROM refresh_tokens o WHERE o.token_hash = ?4 AND o.session_id = s.id)",
            [successor.into(), pid.into(), now.into(), hash.into()],
        ),
        stmt(
            user_select(
                "u.id = (SELECT s.user_id FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id \
                 WHERE r.token_hash = ?1 AND s.project_id = ?2 AND s.revoked_at IS NULL AND s.expires_at > ?3)",
            ),
            [successor.into(), pid.into(), now.into()],
        ),
    ];
    let mut results = db.batch(batch).await?;
    let user_rows = results.pop().unwrap_or_default();
    let session_rows = results.pop().unwrap_or_default();
    let (Some(session), Some(user)) = (session_rows.first(), user_rows.first()) else {
        return Ok(None);
    };
    Ok(Some(Refreshed {
        session_id: text(session, "session_id").unwrap_or_default(),
        amr: json_list(text(session, "amr"), "amr")?,
        user: user_from(user)?,
    }))
}

/// The user of a live session (`sid`), or `None` when the session is revoked or expired.
pub async fn session_user<D: Db>(
    db: &D,
    pid: &str,
    sid: &str,
    user_id: &str,
    now: i64,
) -> ApiResult<Option<UserOut>> {
    let rows = query(
        db,
        user_select(LIVE_SESSION_USER),
        [pid.into(), sid.into(), user_id.into(), now.into()],
    )
    .await?;
    rows.first().map(user_from).transpose()
}

/// The user `?3` of project `?1`, if their session `?2` is live at `?4`.
const LIVE_SESSION_USER: &str =
    "u.id = ?3 AND u.project_id = ?1 AND EXISTS (SELECT 1 FROM sessions s \
     WHERE s.id = ?2 AND s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > ?4)";

/// A provider account to attach to a signed-in user.
pub struct Link<'a> {
    pub project_id: &'a str,
    pub user_id: &'a str,
    pub sid: &'a str,
    pub provider: &'a str,
    pub subject: &'a str,
    pub email: Option<&'a str>,
    pub email_verified: bool,
    pub replay_keys: &'a [(String, i64)],
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
}

/// Links a verified provider account to the session's user, in one batch: the token's replay
/// keys, the identity (only while the session is live; a no-op when it is already this
/// user's), its owner and the user read back.
pub async fn link_identity<D: Db>(db: &D, l: &Link<'_>) -> ApiResult<IdentityChange> {
    let mut batch = single_use(l.project_id, l.now, l.replay_keys);
    batch.push(stmt(
        "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
         SELECT ?1, ?2, ?3, ?4, ?7, ?8, ?6 WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.id = ?5 AND s.user_id = ?4 \
         AND s.project_id = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?6) \
         ON CONFLICT (project_id, provider, subject) DO NOTHING",
        [
            l.project_id.into(),
            l.provider.into(),
            l.subject.into(),
            l.user_id.into(),
            l.sid.into(),
            l.now.into(),
            l.email.into(),
            i64::from(l.email_verified).into(),
        ],
    ));
    let read_at = batch.len();
    batch.push(stmt(
        "SELECT user_id FROM identities WHERE project_id = ?1 AND provider = ?2 AND subject = ?3",
        [l.project_id.into(), l.provider.into(), l.subject.into()],
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
    let results = consuming(db, batch).await?;
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
) -> ApiResult<IdentityChange> {
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

/// Revokes one session, or every session of the user (`global`). Returns how many.
pub async fn revoke_sessions<D: Db>(
    db: &D,
    pid: &str,
    user_id: &str,
    sid: Option<&str>,
    now: i64,
) -> ApiResult<usize> {
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

// ---- admin -------------------------------------------------------------------------------

/// Creates or replaces a project's settings.
pub async fn put_project<D: Db>(db: &D, p: &Project, now: i64) -> ApiResult<()> {
    use erased::Json;
    db.batch(vec![stmt(
        "INSERT INTO projects (id, name, allowed_origins, redirect_urls, self_registration, settings, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins, \
         redirect_urls = excluded.redirect_urls, self_registration = excluded.self_registration, \
         settings = excluded.settings, updated_at = excluded.updated_at",
        [
            p.id.as_str().into(),
            p.name.as_str().into(),
            p.allowed_origins.json().into(),
            p.redirect_urls.json().into(),
            p.self_registration.into(),
            p.settings.json().into(),
            now.into(),
        ],
    )])
    .await?;
    Ok(())
}

mod erased {
    /// Serialises configuration values (plain data: serialisation cannot fail).
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

/// The project, or `None`.
pub async fn get_project<D: Db>(db: &D, pid: &str) -> ApiResult<Option<Project>> {
    query(db, PROJECT_SQL, [pid.into()])
        .await?
        .first()
        .map(project_from)
        .transpose()
}

/// Creates or replaces a provider; `client_secret_enc: None` keeps the stored secret.
/// Returns false when the project does not exist.
pub async fn put_provider<D: Db>(
    db: &D,
    pid: &str,
    name: &str,
    enabled: bool,
    config: &ProviderConfig,
    client_secret_enc: Option<&str>,
    now: i64,
) -> ApiResult<bool> {
    use erased::Json;
    let rows = db
        .batch(vec![stmt(
            "INSERT INTO providers (project_id, provider, enabled, config, client_secret_enc, updated_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?1) \
             ON CONFLICT (project_id, provider) DO UPDATE SET enabled = excluded.enabled, config = excluded.config, \
             client_secret_enc = COALESCE(excluded.client_secret_enc, providers.client_secret_enc), \
             updated_at = excluded.updated_at RETURNING provider",
            [pid.into(), name.into(), enabled.into(), config.json().into(), client_secret_enc.into(), now.into()],
        )])
        .await?;
    Ok(rows.first().is_some_and(|r| !r.is_empty()))
}

/// The project's providers (with sealed secrets: callers strip them).
pub async fn list_providers<D: Db>(db: &D, pid: &str) -> ApiResult<Vec<Provider>> {
    let rows = query(
        db,
        format!("{PROVIDERS_SQL} ORDER BY provider"),
        [pid.into()],
    )
    .await?;
    rows.iter().map(provider_from).collect()
}

/// Users of a project, optionally by (lower-cased) email.
pub async fn find_users<D: Db>(db: &D, pid: &str, email: Option<&str>) -> ApiResult<Vec<UserOut>> {
    let condition =
        "u.project_id = ?1 AND (?2 IS NULL OR u.email = ?2) ORDER BY u.created_at, u.id LIMIT 100";
    query(db, user_select(condition), [pid.into(), email.into()])
        .await?
        .iter()
        .map(user_from)
        .collect()
}

/// One user of a project.
pub async fn get_user<D: Db>(db: &D, pid: &str, user_id: &str) -> ApiResult<Option<UserOut>> {
    let rows = query(
        db,
        user_select("u.project_id = ?1 AND u.id = ?2"),
        [pid.into(), user_id.into()],
    )
    .await?;
    rows.first().map(user_from).transpose()
}

/// Deletes a user (identities, sessions and refresh tokens go with it). False if unknown.
pub async fn delete_user<D: Db>(db: &D, pid: &str, user_id: &str) -> ApiResult<bool> {
    let sql = "DELETE FROM users WHERE project_id = ?1 AND id = ?2 RETURNING id";
    Ok(!query(db, sql, [pid.into(), user_id.into()])
        .await?
        .is_empty())
}

/// Replaces a user's roles; the user, or `None` if unknown.
pub async fn set_roles<D: Db>(
    db: &D,
    pid: &str,
    user_id: &str,
    roles: &[String],
) -> ApiResult<Option<UserOut>> {
    use erased::Json;
    let mut results = db
        .batch(vec![
            stmt(
                "UPDATE users SET roles = ?3 WHERE project_id = ?1 AND id = ?2",
                [pid.into(), user_id.into(), roles.json().into()],
            ),
            stmt(
                user_select("u.project_id = ?1 AND u.id = ?2"),
                [pid.into(), user_id.into()],
            ),
        ])
        .await?;
    results
        .pop()
        .unwrap_or_default()
        .first()
        .map(user_from)
        .transpose()
}

// ---- server-driven flow --------------------------------------------------------------------

/// Remembers a started server-driven sign-in.
pub async fn create_oauth_state<D: Db>(
    db: &D,
    state_hash: &str,
    pid: &str,
    provider: &str,
    redirect_to: Option<&str>,
    expires_at: i64,
) -> ApiResult<()> {
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
) -> ApiResult<Option<Option<String>>> {
    let sql = "DELETE FROM oauth_states WHERE state_hash = ?1 AND project_id = ?2 AND provider = ?3 RETURNING redirect_to, expires_at";
    let rows = query(db, sql, [state_hash.into(), pid.into(), provider.into()]).await?;
    Ok(rows
        .into_iter()
        .next()
        .filter(|r| int(r, "expires_at").is_some_and(|e| e > now))
        .map(|r| text(&r, "redirect_to")))
}
