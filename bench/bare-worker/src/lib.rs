//! The floor Kith's Worker is measured against (bench/coldstart.mjs): the same `worker`
//! crate with D1, serde and serde_json, and one route that uses all three. `POST /` with
//! `{"v": "..."}` runs `SELECT ?1 AS v` on the `DB` binding and answers `{"v": "..."}`.
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use worker::{event, Context, D1Type, Env, Method, Request, Response, Result};

#[derive(Deserialize, Serialize)]
struct Value {
    v: String,
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if req.method() != Method::Post || req.path() != "/" {
        return Response::error("not found", 404);
    }
    let Ok(body) = req.json::<Value>().await else {
        return Response::error("expected {\"v\": string}", 400);
    };
    let db = env.d1("DB")?;
    let statement = db
        .prepare("SELECT ?1 AS v")
        .bind_refs([&D1Type::Text(&body.v)])?;
    match statement.first::<Value>(None).await? {
        Some(row) => Response::from_json(&row),
        None => Response::error("no row", 500),
    }
}
