-- Refresh tokens as generations of their session (edge-worker/src/app/refresh_token.rs): the
-- session row holds the SHA-256 of its current refresh token, its generation and when it last
-- rotated, so a session is one row however often it refreshes (one `refresh_tokens` row per
-- rotation was the first ceiling of one database: SCALING.md). A reused older generation
-- revokes the session as before. Sessions opened before this migration have no
-- `refresh_hash`: their tokens rotate through `refresh_tokens` until the session ends, and
-- the scheduled prune deletes those rows with it.
ALTER TABLE sessions ADD COLUMN refresh_hash TEXT;
ALTER TABLE sessions ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN rotated_at INTEGER;
