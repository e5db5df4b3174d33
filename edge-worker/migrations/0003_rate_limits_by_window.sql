-- Lets the configuration batch prune counters of past windows cheaply.
CREATE INDEX rate_limits_by_window ON rate_limits (project_id, window_start);
