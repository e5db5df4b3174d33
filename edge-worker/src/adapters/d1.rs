//! Cloudflare D1 behind the [`Db`] port: a batch is one transaction.

use crate::app::store::{Db, Row, Stmt, StoreError, Value};

/// Cloudflare D1.
pub struct D1(pub worker::D1Database);

fn bind(s: &Stmt) -> Vec<wasm_bindgen::JsValue> {
    s.args
        .iter()
        .map(|a| match a {
            Value::Null => wasm_bindgen::JsValue::NULL,
            // Ids, flags and Unix seconds are far below 2^53.
            Value::Int(i) => wasm_bindgen::JsValue::from_f64(*i as f64),
            Value::Text(t) => wasm_bindgen::JsValue::from_str(t),
        })
        .collect()
}

impl Db for D1 {
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<Vec<Row>>, StoreError> {
        let mut prepared = Vec::with_capacity(stmts.len());
        for s in &stmts {
            let p = self
                .0
                .prepare(s.sql.as_str())
                .bind(&bind(s))
                .map_err(|e| StoreError::Other(e.to_string()))?;
            prepared.push(p);
        }
        let results = self.0.batch(prepared).await.map_err(|e| match e {
            worker::Error::D1(d1) => StoreError::from_message(d1.cause()),
            other => StoreError::from_message(other.to_string()),
        })?;
        results
            .into_iter()
            .map(|r| {
                r.results::<Row>()
                    .map_err(|e| StoreError::Other(e.to_string()))
            })
            .collect()
    }
}
