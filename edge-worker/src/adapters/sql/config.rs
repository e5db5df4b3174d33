//! The configuration a request reads (project, providers) and the per-minute rate-limit
//! counters, in one round trip.

use super::{project_from, provider_from, PROJECT_SQL, PROVIDERS_SQL};
use crate::app::store::{int, stmt, Db, Stmt, StoreError};
use crate::domain::project::Config;

/// A request to count: its counter `(key, window_start)`, and the browser origin it came
/// from (`None`: not a browser). Only a request the project's origins admit is counted, so a
/// foreign page cannot spend the budget of everyone behind a shared IP.
pub struct Count<'a> {
    pub key: &'a str,
    pub window: i64,
    pub origin: Option<&'a str>,
}

/// One round trip: the project, its providers, and (with `rate`) the rate-limit counter
/// incremented when the origin may proceed. `None`: no such project.
pub async fn load<D: Db>(
    db: &D,
    pid: &str,
    rate: Option<&Count<'_>>,
) -> Result<Option<Config>, StoreError> {
    let mut batch = vec![
        stmt(PROJECT_SQL, [pid.into()]),
        stmt(PROVIDERS_SQL, [pid.into()]),
    ];
    if let Some(Count {
        key,
        window,
        origin,
    }) = rate
    {
        // Counters of past windows go with the scheduled prune (`prune::PRUNES`).
        batch.push(count_stmt(pid, key, *window, *origin));
    }
    let mut results = db.batch(batch).await?.into_iter();
    let project_rows = results.next().unwrap_or_default();
    let provider_rows = results.next().unwrap_or_default();
    let rate_count = results
        .next()
        .and_then(|r| r.first().and_then(|r| int(r, "count")));
    let Some(project_row) = project_rows.first() else {
        return Ok(None);
    };
    let providers = provider_rows
        .iter()
        .map(provider_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Config {
        project: project_from(project_row)?,
        providers,
        rate_count,
        version: int(project_row, "config_version").unwrap_or(0),
    }))
}

/// The per-minute counter's increment for `key` in `window`, made only when the project
/// admits `origin` (`None`: not a browser); returns the new count.
pub fn count_stmt(pid: &str, key: &str, window: i64, origin: Option<&str>) -> Stmt {
    stmt(
        "INSERT INTO rate_counters (project_id, key, window_start, count) \
         SELECT ?1, ?2, ?3, 1 WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = ?1 AND (?4 IS NULL \
           OR EXISTS (SELECT 1 FROM json_each(p.allowed_origins) WHERE json_each.value = ?4))) \
         ON CONFLICT (project_id, key, window_start) DO UPDATE SET count = rate_counters.count + 1 \
         RETURNING count",
        [pid.into(), key.into(), window.into(), origin.into()],
    )
}

/// Whether any project lists `origin` (a CORS preflight names no project: browsers send no
/// custom header on it).
pub async fn origin_known<D: Db>(db: &D, origin: &str) -> Result<bool, StoreError> {
    let rows = super::query(
        db,
        "SELECT 1 AS known FROM projects p, json_each(p.allowed_origins) o WHERE o.value = ?1 LIMIT 1",
        [origin.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}
