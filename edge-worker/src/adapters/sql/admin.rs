//! The admin API's statements: projects (and their mailers), providers, users.

use super::{
    project_from, projects_sql, provider_from, query, to_json, user_from, user_select, PROJECT_SQL,
    PROVIDERS_SQL,
};
use crate::app::store::{stmt, Db, StoreError};
use crate::domain::{Project, Provider, ProviderConfig, UserOut};

/// Creates or replaces a project's settings and mailer.
pub async fn put_project<D: Db>(db: &D, p: &Project, now: i64) -> Result<(), StoreError> {
    let (mailer_url, mailer_secret_enc) = match &p.mailer {
        Some(m) => (Some(m.url.as_str()), Some(m.secret_enc.as_str())),
        None => (None, None),
    };
    db.batch(vec![stmt(
        "INSERT INTO projects (id, name, allowed_origins, redirect_urls, self_registration, settings, created_at, updated_at, mailer_url, mailer_secret_enc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, allowed_origins = excluded.allowed_origins, \
         redirect_urls = excluded.redirect_urls, self_registration = excluded.self_registration, \
         settings = excluded.settings, updated_at = excluded.updated_at, \
         mailer_url = excluded.mailer_url, mailer_secret_enc = excluded.mailer_secret_enc, \
         config_version = projects.config_version + 1",
        [
            p.id.as_str().into(),
            p.name.as_str().into(),
            to_json(&p.allowed_origins).into(),
            to_json(&p.redirect_urls).into(),
            p.self_registration.into(),
            to_json(&p.settings).into(),
            now.into(),
            mailer_url.into(),
            mailer_secret_enc.into(),
        ],
    )])
    .await?;
    Ok(())
}

/// Replaces a project's sealed mailer secret if it still is `old` (re-sealing).
pub async fn replace_mailer_sealed<D: Db>(
    db: &D,
    pid: &str,
    old: &str,
    new: &str,
) -> Result<bool, StoreError> {
    let rows = query(
        db,
        "UPDATE projects SET mailer_secret_enc = ?3 WHERE id = ?1 AND mailer_secret_enc = ?2 RETURNING id",
        [pid.into(), old.into(), new.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// The project, or `None`.
pub async fn get_project<D: Db>(db: &D, pid: &str) -> Result<Option<Project>, StoreError> {
    query(db, PROJECT_SQL, [pid.into()])
        .await?
        .first()
        .map(project_from)
        .transpose()
}

/// Every project, by name (the admin console's list).
pub async fn list_projects<D: Db>(db: &D) -> Result<Vec<Project>, StoreError> {
    query(db, projects_sql(), [])
        .await?
        .iter()
        .map(project_from)
        .collect()
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
) -> Result<bool, StoreError> {
    let rows = db
        .batch(vec![
            stmt(
                "INSERT INTO providers (project_id, provider, enabled, config, client_secret_enc, updated_at) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM projects WHERE id = ?1) \
                 ON CONFLICT (project_id, provider) DO UPDATE SET enabled = excluded.enabled, config = excluded.config, \
                 client_secret_enc = COALESCE(excluded.client_secret_enc, providers.client_secret_enc), \
                 updated_at = excluded.updated_at RETURNING provider",
                [pid.into(), name.into(), enabled.into(), to_json(&config).into(), client_secret_enc.into(), now.into()],
            ),
            // Every isolate's cached configuration of this project is now stale.
            stmt(
                "UPDATE projects SET config_version = config_version + 1 WHERE id = ?1",
                [pid.into()],
            ),
        ])
        .await?;
    Ok(rows.first().is_some_and(|r| !r.is_empty()))
}

/// The project's providers (with sealed secrets: callers strip them).
pub async fn list_providers<D: Db>(db: &D, pid: &str) -> Result<Vec<Provider>, StoreError> {
    let rows = query(
        db,
        format!("{PROVIDERS_SQL} ORDER BY provider"),
        [pid.into()],
    )
    .await?;
    rows.iter().map(provider_from).collect()
}

/// Users of a project, optionally by (lower-cased) email.
pub async fn find_users<D: Db>(
    db: &D,
    pid: &str,
    email: Option<&str>,
) -> Result<Vec<UserOut>, StoreError> {
    let condition =
        "u.project_id = ?1 AND (?2 IS NULL OR u.email = ?2) ORDER BY u.created_at, u.id LIMIT 100";
    query(db, user_select(condition), [pid.into(), email.into()])
        .await?
        .iter()
        .map(user_from)
        .collect()
}

/// One user of a project.
pub async fn get_user<D: Db>(
    db: &D,
    pid: &str,
    user_id: &str,
) -> Result<Option<UserOut>, StoreError> {
    let rows = query(
        db,
        user_select("u.project_id = ?1 AND u.id = ?2"),
        [pid.into(), user_id.into()],
    )
    .await?;
    rows.first().map(user_from).transpose()
}

/// Deletes a user (identities, sessions and refresh tokens go with it). False if unknown.
pub async fn delete_user<D: Db>(db: &D, pid: &str, user_id: &str) -> Result<bool, StoreError> {
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
) -> Result<Option<UserOut>, StoreError> {
    let mut results = db
        .batch(vec![
            stmt(
                "UPDATE users SET roles = ?3 WHERE project_id = ?1 AND id = ?2",
                [pid.into(), user_id.into(), to_json(&roles).into()],
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

/// Replaces a provider's sealed secret if it still is `old` (re-sealing under a new key).
pub async fn replace_sealed<D: Db>(
    db: &D,
    pid: &str,
    name: &str,
    old: &str,
    new: &str,
) -> Result<bool, StoreError> {
    let rows = query(
        db,
        "UPDATE providers SET client_secret_enc = ?4 WHERE project_id = ?1 AND provider = ?2 \
         AND client_secret_enc = ?3 RETURNING provider",
        [pid.into(), name.into(), old.into(), new.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}
