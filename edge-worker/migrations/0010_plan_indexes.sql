-- Found by the query-plan test (edge-worker/tests/services/plans.rs): a session's flow codes
-- were found by walking the whole table (the foreign key's check on every new session, and the
-- cascade when the prune deletes a session).
CREATE INDEX flow_codes_by_session ON flow_codes (session_id);
