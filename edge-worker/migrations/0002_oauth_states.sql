-- Server-driven sign-in (GET .../start, GET|POST .../callback): one row per started flow.
-- The PKCE verifier and the nonce are derived from the state with a keyed hash, so neither
-- is stored; only the state's hash is.
CREATE TABLE oauth_states (
  state_hash  TEXT PRIMARY KEY,
  project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  provider    TEXT NOT NULL,
  redirect_to TEXT,
  expires_at  INTEGER NOT NULL
);
