-- Single use as a result, not an error: a sign-in claims its keys with ON CONFLICT DO NOTHING
-- and tags them with a per-request claim id; its writes run only if every key it presented
-- carries its own claim (see src/adapters/sql/signin.rs). A replay then writes nothing and
-- the batch tells so in its results.
ALTER TABLE used_tokens ADD COLUMN claimed_by TEXT;
