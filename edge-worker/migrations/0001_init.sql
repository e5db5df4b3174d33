-- Kith schema v1. See migrations/README.md for what each table holds and why.
CREATE TABLE projects (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  allowed_origins   TEXT NOT NULL DEFAULT '[]',
  redirect_urls     TEXT NOT NULL DEFAULT '[]',
  self_registration INTEGER NOT NULL DEFAULT 1,
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
  id           TEXT PRIMARY KEY,
  project_id   TEXT NOT NULL,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  refresh_hash TEXT NOT NULL UNIQUE,
  amr          TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  revoked_at   INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id);
