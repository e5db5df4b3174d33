-- The provider-token vault (CONTRACT "Identities": GET /api/auth/identities/{provider}/token).
-- One row per identity that signed in or linked through a code exchange: the provider's access
-- token and refresh token, each sealed (AES-256-GCM, the keyring's provider-token key, bound to
-- project + provider + subject + field), its expiry and the granted scopes. The row belongs to
-- the identity: unlinking it or deleting the user deletes the tokens (ON DELETE CASCADE).
-- `version` counts writes; `lease_id`/`lease_until` let one request at a time refresh the token
-- at the provider (a conditional UPDATE claims the lease; the others wait and re-read).
CREATE TABLE provider_tokens (
  project_id        TEXT NOT NULL,
  provider          TEXT NOT NULL,
  subject           TEXT NOT NULL,
  access_token_enc  TEXT NOT NULL,
  refresh_token_enc TEXT,
  expires_at        INTEGER,
  scopes            TEXT NOT NULL DEFAULT '[]',
  version           INTEGER NOT NULL DEFAULT 1,
  lease_id          TEXT,
  lease_until       INTEGER,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (project_id, provider, subject),
  FOREIGN KEY (project_id, provider, subject)
    REFERENCES identities (project_id, provider, subject) ON DELETE CASCADE
);
