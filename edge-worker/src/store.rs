//! D1 access: every SQL statement of the Worker lives here.
//!
//! A login costs two round trips: one batch that reads the project and the provider, and one
//! batch (a single transaction) that finds or creates the user and identity, opens the
//! session and reads the user back.

use crate::error::{ApiError, ApiResult};
use crate::model::{IdentityOut, Project, Provider, ProviderConfig, UserOut};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1Database;

#[derive(Deserialize)]
struct ProjectRow {
    id: String,
    name: String,
    allowed_origins: String,
    redirect_urls: String,
    self_registration: i64,
}

#[derive(Deserialize)]
struct ProviderRow {
    provider: String,
    enabled: i64,
    config: String,
    client_secret_enc: Option<String>,
}

fn json_list(text: &str, what: &str) -> ApiResult<Vec<String>> {
    serde_json::from_str(text)
        .map_err(|e| ApiError::Internal(format!("stored {what} is not a JSON list: {e}")))
}

impl TryFrom<ProjectRow> for Project {
    type Error = ApiError;
    fn try_from(r: ProjectRow) -> ApiResult<Self> {
        Ok(Project {
            allowed_origins: json_list(&r.allowed_origins, "allowed_origins")?,
            redirect_urls: json_list(&r.redirect_urls, "redirect_urls")?,
            self_registration: r.self_registration != 0,
            id: r.id,
            name: r.name,
        })
    }
}

impl TryFrom<ProviderRow> for Provider {
    type Error = ApiError;
    fn try_from(r: ProviderRow) -> ApiResult<Self> {
        let config: ProviderConfig = serde_json::from_str(&r.config)
            .map_err(|e| ApiError::Internal(format!("stored provider config is invalid: {e}")))?;
        Ok(Provider {
            name: r.provider,
            enabled: r.enabled != 0,
            config,
            client_secret_enc: r.client_secret_enc,
        })
    }
}

const PROJECT_SQL: &str =
    "SELECT id, name, allowed_origins, redirect_urls, self_registration FROM projects WHERE id = ?1";
const PROVIDERS_SQL: &str =
    "SELECT provider, enabled, config, client_secret_enc FROM providers WHERE project_id = ?1";

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn opt(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_str)
}

fn n(v: i64) -> JsValue {
    // D1 numbers are JS doubles; Unix seconds and flags are far below 2^53.
    JsValue::from_f64(v as f64)
}

/// Loads a project and, in the same round trip, one provider (or all of them).
pub async fn project_with_providers(
    db: &D1Database,
    project_id: &str,
    only: Option<&str>,
) -> ApiResult<(Project, Vec<Provider>)> {
    let providers = match only {
        Some(name) => db
            .prepare(format!("{PROVIDERS_SQL} AND provider = ?2"))
            .bind(&[s(project_id), s(name)])?,
        None => db.prepare(PROVIDERS_SQL).bind(&[s(project_id)])?,
    };
    let results = db
        .batch(vec![
            db.prepare(PROJECT_SQL).bind(&[s(project_id)])?,
            providers,
        ])
        .await?;
    let mut it = results.into_iter();
    let (Some(p), Some(pr)) = (it.next(), it.next()) else {
        return Err(ApiError::Internal(
            "D1 batch returned too few results".into(),
        ));
    };
    let project = p
        .results::<ProjectRow>()?
        .into_iter()
        .next()
        .ok_or(ApiError::ProjectNotFound)?
        .try_into()?;
    let providers = pr
        .results::<ProviderRow>()?
        .into_iter()
        .map(Provider::try_from)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((project, providers))
}

/// The verified facts a login writes.
pub struct LoginWrite<'a> {
    pub project_id: &'a str,
    pub provider: &'a str,
    pub subject: &'a str,
    pub email: Option<&'a str>,
    pub email_verified: bool,
    pub name: Option<&'a str>,
    pub picture: Option<&'a str>,
    pub new_user_id: &'a str,
    pub session_id: &'a str,
    pub refresh_hash: &'a str,
    pub amr: &'a str,
    pub now: i64,
    pub session_expires_at: i64,
}

#[derive(Deserialize)]
struct UserRow {
    id: String,
    email: Option<String>,
    email_verified: i64,
    name: Option<String>,
    picture: Option<String>,
    roles: String,
    identities: String,
    created_at: i64,
    last_sign_in_at: i64,
}

#[derive(Deserialize)]
struct IdentityRow {
    provider: String,
    subject: String,
    email: Option<String>,
    email_verified: i64,
    linked_at: i64,
}

const IDENTITY_USER: &str =
    "(SELECT user_id FROM identities WHERE project_id = ?1 AND provider = ?2 AND subject = ?3)";

/// Finds the user by (provider, subject) or creates user and identity, then opens a session
/// and reads the user back: one batch, so one transaction and one round trip. Concurrent
/// first logins of one account are serialised by D1; the `NOT EXISTS` guard makes the
/// second one a sign-in of the user the first created.
pub async fn sign_in_or_create(db: &D1Database, w: &LoginWrite<'_>) -> ApiResult<UserOut> {
    let key = [s(w.project_id), s(w.provider), s(w.subject)];
    let create_user = db
        .prepare(
            "INSERT INTO users (id, project_id, email, email_verified, name, picture, roles, created_at, last_sign_in_at) \
             SELECT ?4, ?1, ?5, ?6, ?7, ?8, '[]', ?9, ?9 \
             WHERE NOT EXISTS (SELECT 1 FROM identities WHERE project_id = ?1 AND provider = ?2 AND subject = ?3)",
        )
        .bind(&[
            key[0].clone(), key[1].clone(), key[2].clone(), s(w.new_user_id), opt(w.email),
            n(i64::from(w.email_verified)), opt(w.name), opt(w.picture), n(w.now),
        ])?;
    let create_identity = db
        .prepare(
            "INSERT INTO identities (project_id, provider, subject, user_id, email, email_verified, linked_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?4) \
             ON CONFLICT (project_id, provider, subject) DO NOTHING",
        )
        .bind(&[
            key[0].clone(), key[1].clone(), key[2].clone(), s(w.new_user_id), opt(w.email),
            n(i64::from(w.email_verified)), n(w.now),
        ])?;
    let touch = db
        .prepare(format!(
            "UPDATE users SET last_sign_in_at = ?4 WHERE id = {IDENTITY_USER}"
        ))
        .bind(&[key[0].clone(), key[1].clone(), key[2].clone(), n(w.now)])?;
    let session = db
        .prepare(format!(
            "INSERT INTO sessions (id, project_id, user_id, refresh_hash, amr, created_at, expires_at) \
             SELECT ?4, ?1, {IDENTITY_USER}, ?5, ?6, ?7, ?8"
        ))
        .bind(&[
            key[0].clone(), key[1].clone(), key[2].clone(), s(w.session_id), s(w.refresh_hash), s(w.amr),
            n(w.now), n(w.session_expires_at),
        ])?;
    let read = db
        .prepare(format!(
            "SELECT u.id, u.email, u.email_verified, u.name, u.picture, u.roles, u.created_at, u.last_sign_in_at, \
             (SELECT json_group_array(json_object('provider', i.provider, 'subject', i.subject, 'email', i.email, \
               'email_verified', i.email_verified, 'linked_at', i.linked_at)) \
              FROM identities i WHERE i.user_id = u.id) AS identities \
             FROM users u WHERE u.id = {IDENTITY_USER}"
        ))
        .bind(&key)?;
    let results = db
        .batch(vec![create_user, create_identity, touch, session, read])
        .await?;
    let row = results
        .last()
        .ok_or_else(|| ApiError::Internal("D1 batch returned no results".into()))?
        .results::<UserRow>()?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::Internal("user vanished during sign-in".into()))?;
    user_from_row(row)
}

fn user_from_row(r: UserRow) -> ApiResult<UserOut> {
    let identities: Vec<IdentityRow> = serde_json::from_str(&r.identities)
        .map_err(|e| ApiError::Internal(format!("identities JSON: {e}")))?;
    Ok(UserOut {
        id: r.id,
        email: r.email,
        email_verified: r.email_verified != 0,
        name: r.name,
        picture: r.picture,
        roles: json_list(&r.roles, "roles")?,
        identities: identities
            .into_iter()
            .map(|i| IdentityOut {
                provider: i.provider,
                subject: i.subject,
                email: i.email,
                email_verified: i.email_verified != 0,
                linked_at: i.linked_at,
            })
            .collect(),
        created_at: r.created_at,
        last_sign_in_at: r.last_sign_in_at,
    })
}

/// Creates or replaces a project's settings.
pub async fn put_project(db: &D1Database, p: &Project, now: i64) -> ApiResult<()> {
    let origins =
        serde_json::to_string(&p.allowed_origins).map_err(|e| ApiError::Internal(e.to_string()))?;
    let redirects =
        serde_json::to_string(&p.redirect_urls).map_err(|e| ApiError::Internal(e.to_string()))?;
    db.prepare(
        "INSERT INTO projects (id, name, allowed_origins, redirect_urls, self_registration, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins, \
         redirect_urls = excluded.redirect_urls, self_registration = excluded.self_registration, \
         updated_at = excluded.updated_at",
    )
    .bind(&[s(&p.id), s(&p.name), s(&origins), s(&redirects), n(i64::from(p.self_registration)), n(now)])?
    .run()
    .await?;
    Ok(())
}

/// Creates or replaces a provider; `client_secret_enc: None` keeps the stored secret.
pub async fn put_provider(
    db: &D1Database,
    project_id: &str,
    name: &str,
    enabled: bool,
    config: &ProviderConfig,
    client_secret_enc: Option<&str>,
    now: i64,
) -> ApiResult<bool> {
    let config = serde_json::to_string(config).map_err(|e| ApiError::Internal(e.to_string()))?;
    let result = db
        .prepare(
            "INSERT INTO providers (project_id, provider, enabled, config, client_secret_enc, updated_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?1) \
             ON CONFLICT (project_id, provider) DO UPDATE SET enabled = excluded.enabled, config = excluded.config, \
             client_secret_enc = COALESCE(excluded.client_secret_enc, providers.client_secret_enc), \
             updated_at = excluded.updated_at",
        )
        .bind(&[s(project_id), s(name), n(i64::from(enabled)), s(&config), opt(client_secret_enc), n(now)])?
        .run()
        .await?;
    let written = result.meta()?.and_then(|m| m.changes).unwrap_or(0);
    Ok(written > 0)
}
