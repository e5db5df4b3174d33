-- The purges of expired rows run inside sign-in batches; they must not scan a table.
-- used_tokens is pruned per project (`project_id = ? AND expires_at < ?`): with the old
-- expires_at-only index SQLite walked every row of the project through the primary key.
CREATE INDEX used_tokens_by_project_expiry ON used_tokens (project_id, expires_at);
DROP INDEX used_tokens_by_expiry;
-- oauth_states is pruned by expiry alone when a server-driven sign-in starts.
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);
