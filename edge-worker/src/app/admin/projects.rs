//! `GET /admin/projects`, and `PUT` and `GET /admin/projects/{pid}`.

use super::bad;
use crate::adapters::sql::admin as sql;
use crate::app::store::Db;
use crate::domain::urls::{check_origin, check_redirect};
use crate::domain::{Project, ProjectId, ProjectSettings};
use crate::error::{ApiError, ApiResult};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectBody {
    name: String,
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    redirect_urls: Vec<String>,
    #[serde(default = "yes")]
    self_registration: bool,
    #[serde(default)]
    settings: ProjectSettings,
}

fn yes() -> bool {
    true
}

/// `GET /admin/projects`: every project (at most 1000, by name), for the admin console.
pub async fn list<D: Db>(db: &D) -> ApiResult<Value> {
    let list: Vec<Value> = sql::list_projects(db)
        .await?
        .iter()
        .map(project_json)
        .collect();
    Ok(json!({ "projects": list }))
}

/// `PUT /admin/projects/{pid}`.
pub async fn put<D: Db>(db: &D, pid: &str, body: &[u8], now: i64) -> ApiResult<Value> {
    let id = ProjectId::parse(pid).ok_or_else(|| bad("project ids are lower-case UUIDs"))?;
    let b: ProjectBody =
        serde_json::from_slice(body).map_err(|e| bad(format!("invalid body: {e}")))?;
    if b.name.trim().is_empty() || b.name.len() > 200 {
        return Err(bad("\"name\" must be 1-200 characters"));
    }
    b.allowed_origins
        .iter()
        .try_for_each(|o| check_origin(o))
        .map_err(bad)?;
    b.redirect_urls
        .iter()
        .try_for_each(|u| check_redirect(u))
        .map_err(bad)?;
    b.settings.validate().map_err(bad)?;
    let project = Project {
        id,
        name: b.name,
        allowed_origins: b.allowed_origins,
        redirect_urls: b.redirect_urls,
        self_registration: b.self_registration,
        settings: b.settings,
    };
    sql::put_project(db, &project, now).await?;
    Ok(project_json(&project))
}

fn project_json(p: &Project) -> Value {
    json!({
        "id": p.id, "name": p.name, "allowed_origins": p.allowed_origins,
        "redirect_urls": p.redirect_urls, "self_registration": p.self_registration, "settings": p.settings,
    })
}

/// The project, or `404 project_not_found`.
pub async fn existing<D: Db>(db: &D, pid: &str) -> ApiResult<Project> {
    sql::get_project(db, pid)
        .await?
        .ok_or(ApiError::ProjectNotFound)
}

/// `GET /admin/projects/{pid}`.
pub async fn get<D: Db>(db: &D, pid: &str) -> ApiResult<Value> {
    Ok(project_json(&existing(db, pid).await?))
}
