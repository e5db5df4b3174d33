//! `GET /admin/console[/<asset>]`: the admin console, a static page compiled into the Worker
//! (`include_str!`), so `wrangler deploy` and the Miniflare tests serve the same bytes with
//! no assets binding. The shell needs no token: it holds no data. Every call it makes goes to
//! the admin API with the token the operator types, same-origin (no CORS is opened).
//!
//! Protects against: script injection (a CSP with no inline script, no `eval`, connections
//! only to this origin), clickjacking (`frame-ancestors 'none'`, `X-Frame-Options: DENY`),
//! MIME sniffing, and the token leaking through a `Referer`.

use crate::error::{ApiError, ApiResult};
use worker::Response;

/// The console's Content-Security-Policy: everything from this origin, nothing inline.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; \
    frame-ancestors 'none'";

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The console's files: (path under `/admin/console/`, content type, bytes).
const ASSETS: &[(&str, &str, &str)] = &[
    ("", HTML, include_str!("../../console/index.html")),
    (
        "console.css",
        CSS,
        include_str!("../../console/console.css"),
    ),
    ("main.js", JS, include_str!("../../console/main.js")),
    ("api.js", JS, include_str!("../../console/api.js")),
    ("dom.js", JS, include_str!("../../console/dom.js")),
    ("projects.js", JS, include_str!("../../console/projects.js")),
    (
        "providers.js",
        JS,
        include_str!("../../console/providers.js"),
    ),
    ("kinds.js", JS, include_str!("../../console/kinds.js")),
    ("users.js", JS, include_str!("../../console/users.js")),
];

/// Serves one console file; `rest` is the path after `/admin/console`.
pub fn serve(rest: &[&str]) -> ApiResult<Response> {
    let name = match rest {
        [] | [""] => "",
        [one] => one,
        _ => return Err(ApiError::NotFound),
    };
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or(ApiError::NotFound)?;
    let resp = Response::ok(*body)?;
    let h = resp.headers();
    h.set("content-type", content_type)?;
    h.set("content-security-policy", CSP)?;
    h.set("x-frame-options", "DENY")?;
    h.set("x-content-type-options", "nosniff")?;
    h.set("referrer-policy", "no-referrer")?;
    h.set("cross-origin-opener-policy", "same-origin")?;
    h.set("cache-control", "no-cache")?;
    Ok(resp)
}
