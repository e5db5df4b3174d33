//! The storage port: SQL batches run as one transaction.
//!
//! Every query of the Worker is written once, against [`Db`]. Production runs it on D1
//! (`adapters::d1::D1`); the native tests run the very same SQL and migration files on SQLite
//! (`adapters::sqlite::Sqlite`, feature `twins`), so policy and SQL are tested in milliseconds.

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

/// Why a batch failed: the one storage error type (mapped to the wire once, in `http`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// A UNIQUE/PRIMARY KEY constraint refused a write (the whole batch was rolled back).
    Unique(String),
    /// A stored value does not decode (the database holds what Kith never writes).
    Corrupt(String),
    /// The request's admission guard refused the batch (`adapters::admitted`: the cached
    /// configuration is stale, or the request is over its rate limit); nothing was written,
    /// and the request is answered from the admission's outcome.
    Refused(String),
    /// Anything else (the database unreachable, a platform error).
    Other(String),
}

impl StoreError {
    /// Classifies a database error message.
    pub fn from_message(message: String) -> Self {
        if message.contains("UNIQUE constraint failed") {
            StoreError::Unique(message)
        } else {
            StoreError::Other(message)
        }
    }
}

/// A SQL database that runs batches atomically.
pub trait Db {
    /// Runs `stmts` in order in one transaction; returns each statement's rows. If any
    /// statement fails, nothing of the batch is kept.
    fn batch(&self, stmts: Vec<Stmt>) -> impl Future<Output = Result<Vec<Vec<Row>>, StoreError>>;
}

/// A borrowed database is a database (a wrapper such as `adapters::admitted` can borrow one).
impl<D: Db> Db for &D {
    fn batch(&self, stmts: Vec<Stmt>) -> impl Future<Output = Result<Vec<Vec<Row>>, StoreError>> {
        (**self).batch(stmts)
    }
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
