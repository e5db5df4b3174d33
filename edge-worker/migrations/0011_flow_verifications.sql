-- A server-driven sign-in that must verify its email first (README "The server-driven
-- flow"): the callback hands out a one-time Kith code as for a sign-in, and
-- `POST /oauth/token` with the code and its PKCE verifier answers
-- `email_verification_required` with the verification_token (derived from the Kith code with
-- HMAC, never stored) and the masked address. Single use, 60 seconds, like `flow_codes`.
CREATE TABLE flow_verifications (
  code_hash      TEXT PRIMARY KEY,
  project_id     TEXT NOT NULL,
  code_challenge TEXT NOT NULL,
  email_hint     TEXT NOT NULL,
  expires_at     INTEGER NOT NULL
);
CREATE INDEX flow_verifications_by_expiry ON flow_verifications (expires_at);
