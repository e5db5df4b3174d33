-- The scheduled prune (src/adapters/sql/prune.rs, cron in wrangler.toml) deletes by expiry:
-- sessions and pending verifications get the indexes the purges need.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_revocation ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX email_verifications_by_expiry ON email_verifications (expires_at);
-- The per-project purges of the sign-in batch use (project_id, ...) indexes; the global
-- prune needs the expiry alone.
CREATE INDEX used_tokens_by_expiry ON used_tokens (expires_at);
CREATE INDEX rate_limits_by_window_start ON rate_limits (window_start);
