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
    async fn send(&self, prepared: &HttpRequest) -> ApiResult<HttpAnswer> {
        let headers = Headers::new();
        for (k, v) in &prepared.headers {
            headers.set(k, v)?;
        }
        let post = prepared.method == "POST";
        let mut init = RequestInit::new();
        init.with_method(if post { Method::Post } else { Method::Get })
            .with_headers(headers);
        if post {
            init.with_body(Some(prepared.body.clone().into()));
        }
        let url = loggable(&prepared.url).to_owned();
        let request = Request::new_with_init(&prepared.url, &init)?;
        let mut resp = Fetch::Request(request)
            .send()
            .await
            .map_err(|e| ApiError::ProviderUnavailable(format!("{url}: {e}")))?;
        let body = resp
            .bytes()
            .await
            .map_err(|e| ApiError::ProviderUnavailable(format!("{url}: reading body: {e}")))?;
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
