-- The server-driven flow is bound to whoever started it (RFC 7636, RFC 8252): `start` keeps
-- the caller's S256 `code_challenge` and opaque `state`; the callback hands out a one-time
-- Kith code (at most 60 s), which only the holder of the matching `code_verifier` can
-- exchange at POST /oauth/token. Codes are stored as hashes; the session's refresh token is
-- derived from the code with the Worker's key, so it is never stored either.
ALTER TABLE oauth_states ADD COLUMN code_challenge TEXT;
ALTER TABLE oauth_states ADD COLUMN client_state TEXT;

CREATE TABLE flow_codes (
  code_hash      TEXT PRIMARY KEY,
  project_id     TEXT NOT NULL,
  session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  user_id        TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  amr            TEXT NOT NULL,
  expires_at     INTEGER NOT NULL
);
CREATE INDEX flow_codes_by_expiry ON flow_codes (expires_at);
