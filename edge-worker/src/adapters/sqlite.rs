//! The native SQLite twin of D1, for tests: same SQL, same migration files, and a fault
//! switch that fails a chosen statement (a D1 failure mid-batch).
use crate::app::store::{Db, Row, Stmt, StoreError, Value};
use serde_json::Value as Json;
use std::cell::RefCell;

/// An in-memory SQLite database with the Worker's migrations applied.
pub struct Sqlite {
    conn: RefCell<rusqlite::Connection>,
    /// Statements containing this text fail (the whole batch rolls back), as a D1 outage or
    /// a platform error mid-batch would.
    fail_on: RefCell<Option<String>>,
    /// When on, every statement's query plan (`EXPLAIN QUERY PLAN`, same arguments) is kept:
    /// tests check that nothing a request runs scans a table that grows with use.
    plans: RefCell<Option<Vec<Plan>>>,
}

/// A statement and the steps of its query plan (SQLite's `detail` column).
#[derive(Debug, Clone)]
pub struct Plan {
    pub sql: String,
    pub steps: Vec<String>,
}

impl Sqlite {
    /// Opens a fresh database and applies `migrations/*.sql` in order.
    pub fn with_migrations() -> Result<Self, StoreError> {
        Self::with_migrations_where(|_| true)
    }

    /// Opens a fresh database with the migrations whose file names sort before `stop` (the
    /// schema a deployment had before migration `stop`).
    pub fn with_migrations_before(stop: &str) -> Result<Self, StoreError> {
        Self::with_migrations_where(|name| name < stop)
    }

    fn with_migrations_where(wanted: impl Fn(&str) -> bool) -> Result<Self, StoreError> {
        let conn =
            rusqlite::Connection::open_in_memory().map_err(|e| StoreError::Other(e.to_string()))?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let db = Self {
            conn: RefCell::new(conn),
            fail_on: RefCell::new(None),
            plans: RefCell::new(None),
        };
        db.apply_migrations(wanted)?;
        Ok(db)
    }

    /// Applies the migrations whose file names sort at or after `start`, in order.
    pub fn apply_migrations_from(&self, start: &str) -> Result<(), StoreError> {
        self.apply_migrations(|name| name >= start)
    }

    fn apply_migrations(&self, wanted: impl Fn(&str) -> bool) -> Result<(), StoreError> {
        let other = |e: &dyn std::fmt::Display| StoreError::Other(e.to_string());
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| other(&e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&wanted))
            .collect();
        files.sort();
        for f in files {
            let sql = std::fs::read_to_string(&f).map_err(|e| other(&e))?;
            self.conn
                .borrow()
                .execute_batch(&sql)
                .map_err(|e| other(&e))?;
        }
        Ok(())
    }

    /// From now on, every batch with a statement containing `sql_fragment` fails at that
    /// statement (`None`: no fault).
    pub fn fail_statements_containing(&self, sql_fragment: Option<&str>) {
        *self.fail_on.borrow_mut() = sql_fragment.map(str::to_owned);
    }

    /// Starts keeping the query plan of every statement run from now on.
    pub fn record_plans(&self) {
        *self.plans.borrow_mut() = Some(Vec::new());
    }

    /// The plans kept since [`Sqlite::record_plans`].
    pub fn plans(&self) -> Vec<Plan> {
        self.plans.borrow().clone().unwrap_or_default()
    }

    /// Runs one query outside a batch (test inspection).
    pub fn query(&self, sql: &str) -> Vec<Row> {
        futures_executor_block_on(self.batch(vec![crate::app::store::stmt(sql, [])]))
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

fn params(s: &Stmt) -> Vec<rusqlite::types::Value> {
    s.args
        .iter()
        .map(|a| match a {
            Value::Null => rusqlite::types::Value::Null,
            Value::Int(i) => rusqlite::types::Value::Integer(*i),
            Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
        })
        .collect()
}

fn plan(tx: &rusqlite::Transaction<'_>, s: &Stmt) -> rusqlite::Result<Plan> {
    let mut st = tx.prepare(&format!("EXPLAIN QUERY PLAN {}", s.sql))?;
    let steps = st
        .query_map(rusqlite::params_from_iter(params(s)), |r| {
            r.get::<_, String>(3)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Plan {
        sql: s.sql.clone(),
        steps,
    })
}

fn run(tx: &rusqlite::Transaction<'_>, s: &Stmt) -> rusqlite::Result<Vec<Row>> {
    let mut st = tx.prepare(&s.sql)?;
    let params = params(s);
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
    async fn batch(&self, stmts: Vec<Stmt>) -> Result<Vec<Vec<Row>>, StoreError> {
        let mut conn = self.conn.borrow_mut();
        let fail_on = self.fail_on.borrow().clone();
        let tx = conn
            .transaction()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let mut out = Vec::with_capacity(stmts.len());
        for s in &stmts {
            if fail_on.as_deref().is_some_and(|f| s.sql.contains(f)) {
                return Err(StoreError::Other("injected fault".into()));
            }
            if let Some(plans) = self.plans.borrow_mut().as_mut() {
                plans.push(plan(&tx, s).map_err(|e| StoreError::Other(e.to_string()))?);
            }
            out.push(run(&tx, s).map_err(|e| StoreError::from_message(e.to_string()))?);
        }
        tx.commit().map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(out)
    }
}
