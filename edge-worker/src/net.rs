//! Outbound HTTP: sends the requests kith-claims prepares.

use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::HttpRequest;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// Largest provider answer read, in bytes.
const MAX_BODY: usize = 256 * 1024;

/// A provider's answer.
pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Cache-Control` header, for key sets.
    pub cache_control: Option<String>,
}

async fn send(req: Request) -> ApiResult<HttpAnswer> {
    let url = req.url().map(|u| u.to_string()).unwrap_or_default();
    let mut resp = Fetch::Request(req)
        .send()
        .await
        .map_err(|e| ApiError::ProviderUnavailable(format!("{url}: {e}")))?;
    let body = resp
        .bytes()
        .await
        .map_err(|e| ApiError::ProviderUnavailable(format!("{url}: reading body: {e}")))?;
    if body.len() > MAX_BODY {
        return Err(ApiError::InvalidSocialLogin(format!(
            "{url}: answer too large"
        )));
    }
    Ok(HttpAnswer {
        status: resp.status_code(),
        cache_control: resp.headers().get("cache-control").ok().flatten(),
        body,
    })
}

/// Performs a prepared request.
pub async fn perform(prepared: &HttpRequest) -> ApiResult<HttpAnswer> {
    let headers = Headers::new();
    for (k, v) in &prepared.headers {
        headers.set(k, v)?;
    }
    let method = if prepared.method == "POST" {
        Method::Post
    } else {
        Method::Get
    };
    let mut init = RequestInit::new();
    init.with_method(method)
        .with_headers(headers)
        .with_body(Some(prepared.body.clone().into()));
    send(Request::new_with_init(&prepared.url, &init)?).await
}

/// GETs a JSON document.
pub async fn get_json(url: &str) -> ApiResult<HttpAnswer> {
    let headers = Headers::new();
    headers.set("accept", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    send(Request::new_with_init(url, &init)?).await
}

/// GETs a URL with extra headers (provider APIs).
pub async fn get_with(url: &str, extra: &[(&str, &str)]) -> ApiResult<HttpAnswer> {
    let headers = Headers::new();
    for (k, v) in extra {
        headers.set(k, v)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    send(Request::new_with_init(url, &init)?).await
}
