//! Outbound HTTP through Workers' `fetch`: the [`Http`] port.

use crate::app::ports::{Http, HttpAnswer, MAX_ANSWER};
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::HttpRequest;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// Workers' `fetch`.
pub struct Fetcher;

/// The URL without its query: what a log line may show (a query can carry a token).
fn loggable(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

impl Http for Fetcher {
    /// Every error's reason names the URL without its query and never quotes a header
    /// value, the body or the query: a JS `TypeError` from `fetch`, `Headers.set` or
    /// `new Request` may print them (the bearer token, the code, the appsecret_proof), and
    /// reasons are logged (`http::wire`). What the platform's message says is redacted with
    /// the request as well ([`HttpRequest::redact`]).
    async fn send(&self, prepared: &HttpRequest) -> ApiResult<HttpAnswer> {
        let url = loggable(&prepared.url).to_owned();
        let headers = Headers::new();
        for (k, v) in &prepared.headers {
            headers.set(k, v).map_err(|_| {
                ApiError::Internal(format!("{url}: the header {k} could not be set"))
            })?;
        }
        let post = prepared.method == "POST";
        let mut init = RequestInit::new();
        init.with_method(if post { Method::Post } else { Method::Get })
            .with_headers(headers);
        if post {
            init.with_body(Some(prepared.body.clone().into()));
        }
        let request = Request::new_with_init(&prepared.url, &init)
            .map_err(|_| ApiError::Internal(format!("{url}: the request could not be built")))?;
        let mut resp = Fetch::Request(request)
            .send()
            .await
            .map_err(|e| ApiError::ProviderUnavailable(format!("{url}: {e}")).redacted(prepared))?;
        let body = resp.bytes().await.map_err(|e| {
            ApiError::ProviderUnavailable(format!("{url}: reading body: {e}")).redacted(prepared)
        })?;
        if body.len() > MAX_ANSWER {
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
}
