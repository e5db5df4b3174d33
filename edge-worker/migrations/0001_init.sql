-- Kith schema v1. See migrations/README.md for what each table holds and why.
CREATE TABLE projects (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  allowed_origins   TEXT NOT NULL DEFAULT '[]',
  redirect_urls     TEXT NOT NULL DEFAULT '[]',
  self_registration INTEGER NOT NULL DEFAULT 1,
  settings          TEXT NOT NULL DEFAULT '{}',
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);

CREATE TABLE providers (
  project_id        TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  provider          TEXT NOT NULL,
  enabled           INTEGER NOT NULL,
  config            TEXT NOT NULL,
  client_secret_enc TEXT,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (project_id, provider)
);

CREATE TABLE users (
  id              TEXT PRIMARY KEY,
  project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  email           TEXT,
  email_verified  INTEGER NOT NULL DEFAULT 0,
  name            TEXT,
  picture         TEXT,
  roles           TEXT NOT NULL DEFAULT '[]',
  created_at      INTEGER NOT NULL,
  last_sign_in_at INTEGER NOT NULL
);
CREATE INDEX users_by_email ON users (project_id, email);
-- At most one user per project owns a verified address: the only account an email can link to.
CREATE UNIQUE INDEX users_verified_email ON users (project_id, email) WHERE email_verified = 1;

CREATE TABLE identities (
  project_id     TEXT NOT NULL,
  provider       TEXT NOT NULL,
  subject        TEXT NOT NULL,
  user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email          TEXT,
  email_verified INTEGER NOT NULL DEFAULT 0,
  linked_at      INTEGER NOT NULL,
  PRIMARY KEY (project_id, provider, subject)
);
CREATE INDEX identities_by_user ON identities (user_id);

CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,
  project_id TEXT NOT NULL,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  amr        TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  rotated_at INTEGER
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

CREATE TABLE used_tokens (
  project_id TEXT NOT NULL,
  key        TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, key)
);
CREATE INDEX used_tokens_by_expiry ON used_tokens (expires_at);

CREATE TABLE email_verifications (
  id          TEXT PRIMARY KEY,
  project_id  TEXT NOT NULL,
  provider    TEXT NOT NULL,
  subject     TEXT NOT NULL,
  email       TEXT NOT NULL,
  name        TEXT,
  picture     TEXT,
  link_to     TEXT,
  code_hash   TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);

CREATE TABLE rate_limits (
  project_id   TEXT NOT NULL,
  key          TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  count        INTEGER NOT NULL,
  PRIMARY KEY (project_id, key)
);
