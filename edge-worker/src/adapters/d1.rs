//! Cloudflare D1 behind the [`Db`] port: a batch is one transaction. Every request's queries
//! run in one D1 session (the Sessions API), so a read may go to a replica as far as the
//! session allows, and the request can hand its caller a bookmark that makes the next
//! session see at least what this one saw or wrote.

use crate::app::store::{Db, Row, Stmt, StoreError, Value};
use std::rc::Rc;
use worker::{D1DatabaseSession, D1SessionConstraint};

/// Where a request's D1 session starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// At the primary: the request writes, or must see every committed write.
    Primary,
    /// At a replica at least as recent as this bookmark (a caller's own earlier writes).
    After(Bookmark),
}

/// A D1 bookmark as D1 writes them (`xxxxxxxx-xxxxxxxx-xxxxxxxx-` and 32 hex digits): only
/// such a string from a caller is passed on to D1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmark(String);

impl Bookmark {
    pub fn parse(s: &str) -> Option<Self> {
        let lengths: Vec<usize> = s.split('-').map(str::len).collect();
        let hex = s.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit());
        (lengths == [8, 8, 8, 32] && hex).then(|| Self(s.to_owned()))
    }
}

/// Cloudflare D1, through the request's session (cheap to clone: one session per request).
#[derive(Clone)]
pub struct D1(Rc<D1DatabaseSession>);

impl D1 {
    /// Opens the request's session on the database bound as `DB`.
    pub fn open(env: &worker::Env, start: &Start) -> worker::Result<Self> {
        let db = env.d1("DB")?;
        let session = match start {
            Start::Primary => db.with_session_constraint(D1SessionConstraint::FirstPrimary),
            Start::After(Bookmark(b)) => db.with_session(Some(b)),
        }?;
        Ok(Self(Rc::new(session)))
    }

    /// The latest bookmark of this session (`None` before its first query).
    pub fn bookmark(&self) -> Option<String> {
        self.0.get_bookmark().ok().flatten()
    }
}

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

#[cfg(test)]
mod tests {
    use super::Bookmark;

    #[test]
    fn only_a_bookmark_shaped_like_d1_s_is_accepted() {
        let real = "0000000a-00000003-00004f6b-0123456789abcdef0123456789abcdef";
        assert!(Bookmark::parse(real).is_some());
        for bad in [
            "",
            "first-primary",
            "first-unconstrained",
            "0000000a-00000003-00004f6b",
            "0000000g-00000003-00004f6b-0123456789abcdef0123456789abcdef",
            "0000000a-00000003-00004f6b-0123456789abcdef0123456789abcdef-00",
            "0000000a-0000003-000004f6b-0123456789abcdef0123456789abcdef",
        ] {
            assert!(Bookmark::parse(bad).is_none(), "{bad}");
        }
    }
}
