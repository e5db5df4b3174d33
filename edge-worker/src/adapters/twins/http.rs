//! The HTTP twin: routes answered by closures, every request recorded. It is also a
//! [`KeySource`] that fetches the key set on every lookup (no cache: the cache policy is
//! tested in kith-claims, the cache itself in workerd).

use crate::app::ports::{Http, HttpAnswer, KeySource};
use crate::error::{ApiError, ApiResult};
use kith_claims::jose::JwkSet;
use kith_claims::oauth::HttpRequest;
use std::cell::RefCell;
use std::rc::Rc;

type Handler = Box<dyn Fn(&HttpRequest) -> ApiResult<HttpAnswer>>;

/// A request the twin received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// See the module docs.
#[derive(Default)]
pub struct HttpTwin {
    routes: RefCell<Vec<(String, Handler)>>,
    seen: RefCell<Vec<Seen>>,
}

/// A 200 answer with a JSON body.
pub fn json(status: u16, body: &serde_json::Value) -> HttpAnswer {
    HttpAnswer {
        status,
        body: body.to_string().into_bytes(),
        cache_control: None,
    }
}

impl HttpTwin {
    /// Answers requests whose URL without query is `url` (the last route added wins).
    pub fn route(&self, url: &str, handler: impl Fn(&HttpRequest) -> HttpAnswer + 'static) {
        self.routes
            .borrow_mut()
            .push((url.to_owned(), Box::new(move |r| Ok(handler(r)))));
    }

    /// Fails requests to `url` with the error `fail` makes of them: a transport failure,
    /// whose message may quote the request (as a JS `TypeError` from `fetch` can).
    pub fn fail(&self, url: &str, fail: impl Fn(&HttpRequest) -> ApiError + 'static) {
        self.routes
            .borrow_mut()
            .push((url.to_owned(), Box::new(move |r| Err(fail(r)))));
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.borrow().clone()
    }
}

impl Http for HttpTwin {
    async fn send(&self, request: &HttpRequest) -> ApiResult<HttpAnswer> {
        self.seen.borrow_mut().push(Seen {
            method: request.method,
            url: request.url.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
        });
        // A round trip yields, as the network does: futures joined with this one run
        // meanwhile (concurrent requests interleave on the twin as they would in workerd).
        super::YieldOnce(false).await;
        let path = request.url.split('?').next().unwrap_or_default();
        let routes = self.routes.borrow();
        let handler = routes.iter().rev().find(|(url, _)| url == path);
        match handler {
            Some((_, h)) => h(request),
            None => Err(ApiError::ProviderUnavailable(format!(
                "{path}: no route in the HTTP twin"
            ))),
        }
    }
}

impl KeySource for HttpTwin {
    async fn keys_for(
        &self,
        jwks_uri: &str,
        _now: i64,
        _kid: Option<&str>,
    ) -> ApiResult<Rc<JwkSet>> {
        let request = HttpRequest {
            method: "GET",
            url: jwks_uri.to_owned(),
            headers: vec![("accept", "application/json".to_owned())],
            body: String::new(),
        };
        // As the real cache (`adapters/jwks.rs`): unreachable, any non-200 and a document
        // that is not a key set are all `provider_unavailable`.
        let answer = self.send(&request).await?;
        match answer.status {
            200 => JwkSet::parse(&answer.body).map(Rc::new).map_err(|e| {
                ApiError::ProviderUnavailable(format!("invalid JWKS: {jwks_uri}: {e}"))
            }),
            500.. => Err(ApiError::ProviderUnavailable(format!(
                "{jwks_uri}: HTTP {}",
                answer.status
            ))),
            s => Err(ApiError::ProviderUnavailable(format!(
                "invalid JWKS: {jwks_uri}: HTTP {s}"
            ))),
        }
    }
}
