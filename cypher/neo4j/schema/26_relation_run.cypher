// Read scopes without a user (agent-only, run-only) seek on these.
CREATE INDEX relation_run IF NOT EXISTS FOR ()-[r:RELATES]-() ON (r.run_id)
