-- Email verification by one-time code (issue 13). See migrations/README.md.
-- The project's mailer: an HTTPS webhook and its HMAC secret, sealed like provider secrets.
ALTER TABLE projects ADD COLUMN mailer_url TEXT;
ALTER TABLE projects ADD COLUMN mailer_secret_enc TEXT;
-- Pending verifications: when the current code was sent (resend cooldown), how many codes
-- were resent, and who redeemed the row (the redeeming batch's claim, for single use).
ALTER TABLE email_verifications ADD COLUMN sent_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE email_verifications ADD COLUMN resends INTEGER NOT NULL DEFAULT 0;
ALTER TABLE email_verifications ADD COLUMN redeemed_by TEXT;
-- The cap on live verifications per address (app/otp) counts by address.
CREATE INDEX email_verifications_by_email ON email_verifications (project_id, email);
