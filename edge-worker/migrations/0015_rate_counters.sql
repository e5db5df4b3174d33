-- Per-minute rate-limit counters keyed by their window: (project, `kind:ip`, window start),
-- clustered on that key (WITHOUT ROWID). A request in a window that already has its counter
-- rewrites only `count` (1 row written, where `rate_limits` rewrote the row and both of its
-- window indexes because every increment set `window_start`: 3); the first request of a
-- window inserts its row and the window index (2). D1 bills every row and index entry
-- written: a returning sign-in writes 10 rows instead of 12, a refresh 2 instead of 4.
--
-- A new table, not a rebuild of `rate_limits`: a Worker still running the previous version
-- counts there (its upsert names the old key) until the new one is deployed, so apply this
-- migration first, then deploy. The scheduled prune empties `rate_limits` within minutes;
-- a later migration drops it. Counters last a minute, so none is copied: during the rollout
-- a client's budget may be counted in both tables for a window or two.
CREATE TABLE rate_counters (
  project_id   TEXT NOT NULL,
  key          TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  count        INTEGER NOT NULL,
  PRIMARY KEY (project_id, key, window_start)
) WITHOUT ROWID;
-- The scheduled prune deletes past windows by it.
CREATE INDEX rate_counters_by_window ON rate_counters (window_start);
