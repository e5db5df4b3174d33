//! `PUT` and `GET /admin/projects/{pid}`, with the project's mailer (its secret sealed,
//! write-only).

use super::bad;
use crate::adapters::sql::admin as sql;
use crate::app::ports::{Crypto, Platform};
use crate::app::store::Db;
use crate::domain::urls::{check_origin, check_redirect, check_url};
use crate::domain::{Mailer, Project, ProjectId, ProjectSettings, Secret};
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Deserializer};
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
    /// Absent: keep the stored mailer; `null`: remove it; an object: set it.
    #[serde(default, deserialize_with = "present")]
    mailer: Option<Option<MailerBody>>,
}

/// The webhook verification codes are posted to. `secret` may be left out to keep the
/// stored one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MailerBody {
    url: String,
    #[serde(default)]
    secret: Option<String>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn yes() -> bool {
    true
}

/// The mailer to store: the URL checked, a new secret sealed, or the stored one kept.
async fn mailer<P: Platform>(
    p: &P,
    pid: &str,
    body: Option<Option<MailerBody>>,
    stored: Option<&Project>,
) -> ApiResult<Option<Mailer>> {
    let stored_mailer = stored.and_then(|s| s.mailer.clone());
    let m = match body {
        None => return Ok(stored_mailer),
        Some(None) => {
            let providers = sql::list_providers(p.db(), pid).await?;
            if providers.iter().any(|p| p.config.options.verify_email) {
                return Err(bad(
                    "a provider has \"verify_email\": it needs the mailer (turn it off first)",
                ));
            }
            return Ok(None);
        }
        Some(Some(m)) => m,
    };
    check_url("mailer.url", &m.url).map_err(bad)?;
    let secret_enc = match (m.secret, stored_mailer) {
        (Some(s), _) if (16..=512).contains(&s.len()) => {
            let secret = Secret::new(s);
            p.crypto().seal(&secret, &Mailer::secret_aad(pid)).await?
        }
        (Some(_), _) => return Err(bad("\"mailer.secret\" must be 16-512 characters")),
        (None, Some(stored)) => stored.secret_enc,
        (None, None) => return Err(bad("\"mailer.secret\" is required")),
    };
    Ok(Some(Mailer {
        url: m.url,
        secret_enc,
    }))
}

/// `PUT /admin/projects/{pid}`.
pub async fn put<P: Platform>(p: &P, pid: &str, body: &[u8], now: i64) -> ApiResult<Value> {
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
    let stored = sql::get_project(p.db(), pid).await?;
    let mailer = mailer(p, pid, b.mailer, stored.as_ref()).await?;
    let project = Project {
        id,
        name: b.name,
        allowed_origins: b.allowed_origins,
        redirect_urls: b.redirect_urls,
        self_registration: b.self_registration,
        settings: b.settings,
        mailer,
    };
    sql::put_project(p.db(), &project, now).await?;
    Ok(project_json(&project))
}

/// The project as the admin API shows it: the mailer's URL, never its secret.
fn project_json(p: &Project) -> Value {
    let mailer = p
        .mailer
        .as_ref()
        .map(|m| json!({ "url": m.url, "has_secret": true }));
    json!({
        "id": p.id, "name": p.name, "allowed_origins": p.allowed_origins,
        "redirect_urls": p.redirect_urls, "self_registration": p.self_registration, "settings": p.settings,
        "mailer": mailer,
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
