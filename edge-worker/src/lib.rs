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

use worker::{console_error, console_log, event, Context, Env, Request, Response};
use worker::{ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    http::handle(req, &env).await
}

/// The cron trigger of `wrangler.toml`: prunes every row that can no longer be used.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let pruned = match http::context::database(&env) {
        Ok(db) => adapters::sql::prune::run(&db, http::context::now_secs()).await,
        Err(e) => {
            console_error!("prune: no database: {e:?}");
            return;
        }
    };
    console_log!("pruned {:?}", pruned.rows);
    for (table, e) in &pruned.failed {
        console_error!("prune of {table} failed: {e:?}");
    }
}
