//! CORS: only the project's allowed origins get `access-control-allow-origin`.

use crate::adapters::sql::config as sql;
use crate::app::store::Db;
use crate::domain::Project;
use crate::error::{ApiError, ApiResult};
use worker::{Headers, Request, Response};

/// A browser request from an origin the project does not allow is refused outright, so a
/// foreign page cannot drive sign-ins even where it cannot read the answer.
pub fn check_origin(project: &Project, origin: Option<&str>) -> ApiResult<()> {
    match origin {
        Some(o) if !project.allows_origin(o) => Err(ApiError::OriginNotAllowed(o.to_owned())),
        _ => Ok(()),
    }
}

/// CORS preflight. Browsers send no `project-id` on a preflight, so it is answered for an
/// origin that some project lists (a foreign origin gets no CORS headers, and the browser
/// stops there); the actual request is then checked against its own project
/// ([`check_origin`]).
pub async fn preflight<D: Db>(db: &D, req: &Request) -> ApiResult<Response> {
    let headers = Headers::new();
    let origin = req.headers().get("origin")?;
    let known = match &origin {
        Some(o) => sql::origin_known(db, o).await?,
        None => false,
    };
    if let (Some(origin), true) = (origin, known) {
        headers.set("access-control-allow-origin", &origin)?;
        headers.set("access-control-allow-methods", "GET, POST, DELETE, OPTIONS")?;
        headers.set(
            "access-control-allow-headers",
            "content-type, project-id, authorization, kith-bookmark",
        )?;
        headers.set("access-control-max-age", "600")?;
        headers.set("vary", "origin")?;
    }
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}

/// Adds the CORS headers of an answer to `origin`.
pub fn allow(resp: Response, origin: Option<&str>) -> ApiResult<Response> {
    if let Some(origin) = origin {
        let headers = resp.headers();
        headers.set("access-control-allow-origin", origin)?;
        // The page's SDK keeps the D1 bookmark for its next read (`http::auth::BOOKMARK`).
        headers.set("access-control-expose-headers", "kith-bookmark")?;
        headers.set("vary", "origin")?;
    }
    Ok(resp)
}
