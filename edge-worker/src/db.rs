//! The storage port: SQL batches run as one transaction.
//!
//! Every query of the Worker is written once, against [`Db`]. Production runs it on D1
//! ([`D1`]); the native tests run the very same SQL and migration files on SQLite
//! (`sqlite::Sqlite`, feature `sqlite-twin`), so policy and SQL are tested in milliseconds.

use core::future::Future;
use serde_json::{Map, Value as Json};

/// A value bound to a statement parameter (`?1`, `?2`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One SQL statement with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub sql: String,
    pub args: Vec<Value>,
}

/// Builds a [`Stmt`]: `stmt("SELECT ?1", [v.into()])`.
pub fn stmt(sql: impl Into<String>, args: impl IntoIterator<Item = Value>) -> Stmt {
    Stmt {
        sql: sql.into(),
        args: args.into_iter().collect(),
    }
}

/// A result row, column name to JSON value (integers as JSON numbers, text as strings).
pub type Row = Map<String, Json>;

/// Why a batch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// A UNIQUE/PRIMARY KEY constraint refused a write (the whole batch was rolled back).
    Unique(String),
    /// Anything else.
    Other(String),
}

impl DbError {
    /// Classifies a database error message.
    pub fn from_message(message: String) -> Self {
        if message.contains("UNIQUE constraint failed") {
            DbError::Unique(message)
        } else {
            DbError::Other(message)
        }
    }
}

/// A SQL database that runs batches atomically.
pub trait Db {
    /// Runs `stmts` in order in one transaction; returns each statement's rows. If any
    /// statement fails, nothing of the batch is kept.
    fn batch(&self, stmts: Vec<Stmt>) -> impl Future<Output = Result<Vec<Vec<Row>>, DbError>>;
}

/// Reads an integer column (D1 hands numbers over as doubles).
pub fn int(row: &Row, col: &str) -> Option<i64> {
    let v = row.get(col)?;
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
}

/// Reads a text column.
pub fn text(row: &Row, col: &str) -> Option<String> {
    row.get(col)?.as_str().map(str::to_owned)
}

/// Cloudflare D1.
pub struct D1(pub worker::D1Database);

impl Db for D1 {
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<Vec<Row>>, DbError> {
        let mut prepared = Vec::with_capacity(stmts.len());
        for s in &stmts {
            let args: Vec<wasm_bindgen::JsValue> = s
                .args
                .iter()
                .map(|a| match a {
                    Value::Null => wasm_bindgen::JsValue::NULL,
                    // Ids, flags and Unix seconds are far below 2^53.
                    Value::Int(i) => wasm_bindgen::JsValue::from_f64(*i as f64),
                    Value::Text(t) => wasm_bindgen::JsValue::from_str(t),
                })
                .collect();
            let p = self
                .0
                .prepare(s.sql.as_str())
                .bind(&args)
                .map_err(|e| DbError::Other(e.to_string()))?;
            prepared.push(p);
        }
        let results = self.0.batch(prepared).await.map_err(|e| match e {
            worker::Error::D1(d1) => DbError::from_message(d1.cause()),
            other => DbError::from_message(other.to_string()),
        })?;
        results
            .into_iter()
            .map(|r| {
                r.results::<Row>()
                    .map_err(|e| DbError::Other(e.to_string()))
            })
            .collect()
    }
}

#[cfg(feature = "sqlite-twin")]
pub mod sqlite {
    //! The native SQLite twin of D1, for tests: same SQL, same migration files.
    use super::{Db, DbError, Row, Stmt, Value};
    use serde_json::Value as Json;
    use std::cell::RefCell;

    /// An in-memory SQLite database with the Worker's migrations applied.
    pub struct Sqlite(RefCell<rusqlite::Connection>);

    impl Sqlite {
        /// Opens a fresh database and applies `migrations/*.sql` in order.
        pub fn with_migrations() -> Result<Self, DbError> {
            let conn = rusqlite::Connection::open_in_memory()
                .map_err(|e| DbError::Other(e.to_string()))?;
            conn.execute_batch("PRAGMA foreign_keys = ON;")
                .map_err(|e| DbError::Other(e.to_string()))?;
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .map_err(|e| DbError::Other(e.to_string()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "sql"))
                .collect();
            files.sort();
            for f in files {
                let sql = std::fs::read_to_string(&f).map_err(|e| DbError::Other(e.to_string()))?;
                conn.execute_batch(&sql)
                    .map_err(|e| DbError::Other(e.to_string()))?;
            }
            Ok(Self(RefCell::new(conn)))
        }

        /// Runs one query outside a batch (test inspection).
        pub fn query(&self, sql: &str) -> Vec<Row> {
            futures_executor_block_on(self.batch(vec![super::stmt(sql, [])]))
                .ok()
                .and_then(|mut v| v.pop())
                .unwrap_or_default()
        }
    }

    fn futures_executor_block_on<F: core::future::Future>(f: F) -> F::Output {
        // The twin's futures never wait: poll once with a no-op waker.
        let waker = core::task::Waker::noop();
        let mut cx = core::task::Context::from_waker(waker);
        let mut f = core::pin::pin!(f);
        loop {
            if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    fn run(tx: &rusqlite::Transaction<'_>, s: &Stmt) -> rusqlite::Result<Vec<Row>> {
        let mut st = tx.prepare(&s.sql)?;
        let params: Vec<rusqlite::types::Value> = s
            .args
            .iter()
            .map(|a| match a {
                Value::Null => rusqlite::types::Value::Null,
                Value::Int(i) => rusqlite::types::Value::Integer(*i),
                Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
            })
            .collect();
        let names: Vec<String> = st.column_names().iter().map(|c| (*c).to_owned()).collect();
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Row::new();
            for (i, name) in names.iter().enumerate() {
                let v = match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Json::Null,
                    rusqlite::types::ValueRef::Integer(n) => Json::from(n),
                    rusqlite::types::ValueRef::Real(f) => Json::from(f),
                    rusqlite::types::ValueRef::Text(t) => {
                        Json::from(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Blob(_) => Json::Null,
                };
                row.insert(name.clone(), v);
            }
            out.push(row);
        }
        Ok(out)
    }

    impl Db for Sqlite {
        async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<Vec<Row>>, DbError> {
            let mut conn = self.0.borrow_mut();
            let tx = conn
                .transaction()
                .map_err(|e| DbError::Other(e.to_string()))?;
            let mut out = Vec::with_capacity(stmts.len());
            for s in &stmts {
                out.push(run(&tx, s).map_err(|e| DbError::from_message(e.to_string()))?);
            }
            tx.commit().map_err(|e| DbError::Other(e.to_string()))?;
            Ok(out)
        }
    }
}
