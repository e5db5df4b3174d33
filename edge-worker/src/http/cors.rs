//! CORS: only the project's allowed origins get `access-control-allow-origin`.

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

/// CORS preflight. Browsers do not send `project-id` on a preflight, so it cannot be checked
/// against the project here; the actual request is checked ([`check_origin`]) and only then
/// gets `access-control-allow-origin`.
pub fn preflight(req: &Request) -> ApiResult<Response> {
    let headers = Headers::new();
    if let Some(origin) = req.headers().get("origin")? {
        headers.set("access-control-allow-origin", &origin)?;
        headers.set("access-control-allow-methods", "GET, POST, DELETE, OPTIONS")?;
        headers.set(
            "access-control-allow-headers",
            "content-type, project-id, authorization",
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
        headers.set("vary", "origin")?;
    }
    Ok(resp)
}
