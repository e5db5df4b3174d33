//! Single use of an id_token and its nonce: the first statement of a sign-in or link batch
//! claims every replay key, and a key that is still live makes that statement fail — which
//! rolls the whole batch back, since a batch is one transaction. So the batch's other
//! statements carry no guard of their own: they run only in a transaction that holds every
//! key. A replay is still a result, never read out of an error message: after a failed
//! batch, [`SingleUse::run`] reads whether a key is live (another request's claim), and
//! reports that as `None`.

use crate::app::store::{stmt, Db, Row, Stmt, StoreError, Value};
use crate::domain::identity::ReplayKey;

/// The replay keys of one request, and the claim it tags them with.
pub struct SingleUse<'a> {
    project_id: &'a str,
    claim: &'a str,
    keys: &'a [ReplayKey],
}

impl<'a> SingleUse<'a> {
    /// `claim`: this request's id (random, unique per request), stored with the keys: a
    /// failed batch is a replay only if a key is held under another claim.
    pub fn new(project_id: &'a str, claim: &'a str, keys: &'a [ReplayKey]) -> Self {
        Self {
            project_id,
            claim,
            keys,
        }
    }

    /// The batch's first statement (none without keys): a key no one holds is inserted, an
    /// expired one is taken over (the scheduled prune deletes the rest), and a live one gets
    /// a `NULL` expiry, refused by `used_tokens.expires_at NOT NULL`: the batch fails.
    pub fn claims(&self, now: i64) -> Vec<Stmt> {
        let mut args: Vec<Value> = vec![self.project_id.into(), self.claim.into(), now.into()];
        let mut rows = Vec::with_capacity(self.keys.len());
        for k in self.keys {
            let at = args.len();
            rows.push(format!("(?1, ?{}, ?{}, ?2)", at + 1, at + 2));
            args.push(k.key.as_str().into());
            args.push(k.keep_until.into());
        }
        if rows.is_empty() {
            return Vec::new();
        }
        vec![stmt(
            format!(
                "INSERT INTO used_tokens (project_id, key, expires_at, claimed_by) VALUES {} \
                 ON CONFLICT (project_id, key) DO UPDATE SET \
                   expires_at = CASE WHEN used_tokens.expires_at < ?3 THEN excluded.expires_at END, \
                   claimed_by = excluded.claimed_by",
                rows.join(", ")
            ),
            args,
        )]
    }

    /// Runs `batch` (which begins with [`SingleUse::claims`]): its results, or `None` when a
    /// key was already used, so that nothing was written. Any other failure is returned as
    /// it is; so is a refusal of the request's admission guard, which is not a replay.
    pub async fn run<D: Db>(
        &self,
        db: &D,
        batch: Vec<Stmt>,
        now: i64,
    ) -> Result<Option<Vec<Vec<Row>>>, StoreError> {
        match db.batch(batch).await {
            Ok(results) => Ok(Some(results)),
            Err(e @ StoreError::Other(_)) if !self.keys.is_empty() => {
                match self.live(db, now).await {
                    Ok(true) => Ok(None),
                    // Not a replay, or not known to be one: the batch's own failure.
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Whether one of the keys is held by another request's claim that has not expired (a
    /// batch of this request that committed although its answer was lost is no replay).
    async fn live<D: Db>(&self, db: &D, now: i64) -> Result<bool, StoreError> {
        let mut args: Vec<Value> = vec![self.project_id.into(), now.into(), self.claim.into()];
        let at = args.len();
        let marks: Vec<String> = (1..=self.keys.len())
            .map(|i| format!("?{}", at + i))
            .collect();
        args.extend(self.keys.iter().map(|k| Value::from(k.key.as_str())));
        let sql = format!(
            "SELECT count(*) AS n FROM used_tokens WHERE project_id = ?1 AND key IN ({}) \
             AND expires_at >= ?2 AND claimed_by IS NOT ?3",
            marks.join(", ")
        );
        let rows = super::query(db, sql, args).await?;
        Ok(rows
            .first()
            .and_then(|r| crate::app::store::int(r, "n"))
            .is_some_and(|n| n > 0))
    }
}
