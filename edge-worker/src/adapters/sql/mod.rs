//! Every SQL statement of the Worker, written once against the [`Db`] port and split by
//! aggregate: [`config`] (projects and providers as a sign-in reads them, rate-limit
//! counters), [`signin`] (single-use keys, the linking batch), [`otp`] (pending email
//! verifications and their redemption),
//! [`sessions`] (refresh rotation, revocation, the session's user), [`identities`] (link,
//! unlink), [`vault`] (provider tokens and their refresh lease), [`admin`] and [`flow`]
//! (the server-driven flow's states). D1 runs it in
//! production, SQLite (`adapters::sqlite`) in the native tests: same SQL, same migrations.
//!
//! Round trips per operation: a sign-in is one batch that claims its single-use keys, finds,
//! links or creates the user, opens the session and returns the user, in one transaction,
//! after the configuration batch (which also counts the rate limit) unless the isolate has
//! the configuration cached (`adapters::admitted`); a refresh likewise. Errors are
//! [`StoreError`]s: what a statement found is a result (a replayed key is
//! [`signin::SignInOutcome::Replayed`], read back after the batch failed), never read out of
//! an error message.

pub mod admin;
pub mod config;
pub mod flow;
pub mod identities;
pub mod otp;
pub mod prune;
pub mod sessions;
pub mod signin;
pub mod single_use;
pub mod vault;

use crate::app::store::{int, stmt, text, Db, Row, Stmt, StoreError, Value};
use crate::domain::{
    IdentityOut, Mailer, Project, ProjectId, ProjectSettings, Provider, ProviderConfig, UserOut,
};
use kith_claims::providers::ProviderName;

/// A stored value that does not decode: the database holds what Kith never writes.
fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("stored {what}: {e}"))
}

fn json_list(text: Option<String>, what: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text.as_deref().unwrap_or("[]")).map_err(|e| corrupt(what, e))
}

/// The rows of statement `index` of a batch's results.
fn one(mut results: Vec<Vec<Row>>, index: usize) -> Vec<Row> {
    if index < results.len() {
        results.swap_remove(index)
    } else {
        Vec::new()
    }
}

/// Runs one statement and returns its rows.
async fn query<D: Db>(
    db: &D,
    sql: impl Into<String>,
    args: impl IntoIterator<Item = Value>,
) -> Result<Vec<Row>, StoreError> {
    Ok(db
        .batch(vec![stmt(sql, args)])
        .await?
        .into_iter()
        .next()
        .unwrap_or_default())
}

/// Serialises configuration values (plain data: serialisation cannot fail).
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

const PROJECT_SQL: &str = "SELECT id, name, allowed_origins, redirect_urls, self_registration, settings, mailer_url, mailer_secret_enc, config_version FROM projects WHERE id = ?1";
const PROVIDERS_SQL: &str =
    "SELECT project_id, provider, enabled, config, client_secret_enc FROM providers WHERE project_id = ?1";

/// Every project by name (at most 1000): the columns of [`PROJECT_SQL`], so a listed project
/// is read exactly as a single one.
fn projects_sql() -> String {
    PROJECT_SQL.replace(" WHERE id = ?1", " ORDER BY name, id LIMIT 1000")
}

fn project_from(row: &Row) -> Result<Project, StoreError> {
    let settings: ProjectSettings =
        serde_json::from_str(&text(row, "settings").unwrap_or_else(|| "{}".into()))
            .map_err(|e| corrupt("project settings", e))?;
    let id = text(row, "id").unwrap_or_default();
    Ok(Project {
        id: ProjectId::parse(&id).ok_or_else(|| corrupt("project id", &id))?,
        name: text(row, "name").unwrap_or_default(),
        allowed_origins: json_list(text(row, "allowed_origins"), "allowed_origins")?,
        redirect_urls: json_list(text(row, "redirect_urls"), "redirect_urls")?,
        self_registration: int(row, "self_registration") == Some(1),
        settings,
        mailer: match (text(row, "mailer_url"), text(row, "mailer_secret_enc")) {
            (Some(url), Some(secret_enc)) => Some(Mailer { url, secret_enc }),
            _ => None,
        },
    })
}

fn provider_from(row: &Row) -> Result<Provider, StoreError> {
    let name = text(row, "provider").unwrap_or_default();
    let config: ProviderConfig = serde_json::from_str(&text(row, "config").unwrap_or_default())
        .map_err(|e| corrupt("provider config", e))?;
    Ok(Provider {
        project_id: text(row, "project_id").unwrap_or_default(),
        name: ProviderName::parse(&name).map_err(|e| corrupt("provider name", e))?,
        enabled: int(row, "enabled") == Some(1),
        config,
        client_secret_enc: text(row, "client_secret_enc"),
    })
}

/// The columns of a user (`u`) as [`user_from`] reads them.
const USER_COLUMNS_SQL: &str =
    "u.id, u.email, u.email_verified, u.name, u.picture, u.roles, u.created_at, u.last_sign_in_at, \
     (SELECT json_group_array(json_object('provider', i.provider, 'subject', i.subject, 'email', i.email, \
       'email_verified', i.email_verified, 'linked_at', i.linked_at)) \
      FROM identities i WHERE i.user_id = u.id) AS identities";

/// `SELECT` of the CONTRACT user (with identities as JSON) for users matching `condition`.
fn user_select(condition: &str) -> String {
    format!("SELECT {USER_COLUMNS_SQL} FROM users u WHERE {condition}")
}

#[derive(serde::Deserialize)]
struct IdentityRow {
    provider: String,
    subject: String,
    email: Option<String>,
    email_verified: i64,
    linked_at: i64,
}

/// A user's identities as [`USER_COLUMNS_SQL`] and [`USER_JSON_SQL`] list them, in the order
/// they were linked.
fn identities_out(identities: Vec<IdentityRow>) -> Vec<IdentityOut> {
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
    identities
}

fn user_from(row: &Row) -> Result<UserOut, StoreError> {
    let identities: Vec<IdentityRow> =
        serde_json::from_str(&text(row, "identities").unwrap_or_else(|| "[]".into()))
            .map_err(|e| corrupt("identities JSON", e))?;
    Ok(UserOut {
        id: text(row, "id").unwrap_or_default(),
        email: text(row, "email"),
        email_verified: int(row, "email_verified") == Some(1),
        name: text(row, "name"),
        picture: text(row, "picture"),
        roles: json_list(text(row, "roles"), "roles")?,
        identities: identities_out(identities),
        created_at: int(row, "created_at").unwrap_or_default(),
        last_sign_in_at: int(row, "last_sign_in_at").unwrap_or_default(),
    })
}

/// The user (`u`) as one JSON object: what a write's `RETURNING` hands back, where a
/// statement can return a scalar subquery but not a join. [`user_from_json`] reads it.
const USER_JSON_SQL: &str =
    "json_object('id', u.id, 'email', u.email, 'email_verified', u.email_verified, 'name', u.name, \
     'picture', u.picture, 'roles', json(u.roles), 'created_at', u.created_at, \
     'last_sign_in_at', u.last_sign_in_at, 'identities', json((SELECT json_group_array(json_object( \
       'provider', i.provider, 'subject', i.subject, 'email', i.email, \
       'email_verified', i.email_verified, 'linked_at', i.linked_at)) \
      FROM identities i WHERE i.user_id = u.id)))";

fn user_from_json(text: &str) -> Result<UserOut, StoreError> {
    #[derive(serde::Deserialize)]
    struct UserJson {
        id: String,
        email: Option<String>,
        email_verified: i64,
        name: Option<String>,
        picture: Option<String>,
        roles: Vec<String>,
        identities: Vec<IdentityRow>,
        created_at: i64,
        last_sign_in_at: i64,
    }
    let u: UserJson = serde_json::from_str(text).map_err(|e| corrupt("user JSON", e))?;
    Ok(UserOut {
        id: u.id,
        email: u.email,
        email_verified: u.email_verified == 1,
        name: u.name,
        picture: u.picture,
        roles: u.roles,
        identities: identities_out(u.identities),
        created_at: u.created_at,
        last_sign_in_at: u.last_sign_in_at,
    })
}

/// A statement's arguments, bound in order: [`Args::bind`] gives the placeholder of each, so
/// a statement built by parts never numbers them by hand (D1 refuses an unused one).
#[derive(Default)]
struct Args(Vec<Value>);

impl Args {
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.0.push(v.into());
        format!("?{}", self.0.len())
    }

    fn into_values(self) -> Vec<Value> {
        self.0
    }
}

/// The user `?3` of project `?1`, if their session `?2` is live at `?4`.
const LIVE_SESSION_USER: &str =
    "u.id = ?3 AND u.project_id = ?1 AND EXISTS (SELECT 1 FROM sessions s \
     WHERE s.id = ?2 AND s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > ?4)";

#[allow(unused_imports)]
use Stmt as _;
