-- A version of each project's configuration (the project row and its providers), bumped by
-- every admin write: an isolate caches the configuration with its version, and a sign-in or
-- refresh batch proves the version it was decided on is still current
-- (edge-worker/src/adapters/admitted.rs), so the cache saves a round trip without ever
-- deciding on stale configuration.
ALTER TABLE projects ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0;
-- The admission guard's target: a NULL into `ok` aborts a batch (rolling back all of it) when
-- its request was decided on a stale configuration or is over its rate limit. Never holds a
-- row.
CREATE TABLE admission_guard (ok INTEGER NOT NULL);
