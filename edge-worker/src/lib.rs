//! # kith-worker
//!
//! The Cloudflare Worker of Kith: it holds the providers' client secrets, exchanges
//! authorization codes, verifies id_tokens with kith-claims (signatures through WebCrypto),
//! links users in D1 and issues Kith's own sessions. See the README for the HTTP API and
//! ARCHITECTURE.md for the layers:
//!
//! - [`http`]: routes, CORS, body limits, the one mapping of errors to the wire;
//! - [`app`]: the services, generic over the ports (storage, outbound HTTP, crypto, keys);
//! - [`domain`]: projects, providers, users, identities, secrets as types;
//! - [`adapters`]: D1 and its SQLite twin, the SQL, `fetch`, WebCrypto, keys, JWKS cache.
#![forbid(unsafe_code)]

pub mod adapters;
pub mod app;
pub mod domain;
pub mod error;
pub mod http;

use worker::{event, Context, Env, Request, Response};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    http::handle(req, &env).await
}
