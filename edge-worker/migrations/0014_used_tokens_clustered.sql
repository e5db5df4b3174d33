-- Single-use keys are written twice per sign-in (id_token and nonce) and read only by their
-- primary key, so the table becomes clustered on it (WITHOUT ROWID): a claim writes the row
-- and the expiry index, not a rowid table, its primary-key index and two expiry indexes.
-- `used_tokens_by_project_expiry` served a per-project purge that left the sign-in batch
-- (0005); the scheduled prune walks `used_tokens_by_expiry`. D1 bills every index entry
-- written: a sign-in writes 4 fewer rows. Every row is copied (the expired ones go at the next
-- prune).
CREATE TABLE used_tokens_clustered (
  project_id TEXT NOT NULL,
  key        TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  claimed_by TEXT,
  PRIMARY KEY (project_id, key)
) WITHOUT ROWID;
INSERT INTO used_tokens_clustered (project_id, key, expires_at, claimed_by)
  SELECT project_id, key, expires_at, claimed_by FROM used_tokens;
DROP TABLE used_tokens;
ALTER TABLE used_tokens_clustered RENAME TO used_tokens;
CREATE INDEX used_tokens_by_expiry ON used_tokens (expires_at);
