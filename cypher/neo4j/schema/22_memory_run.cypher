// Read scopes without a user (agent-only, run-only) seek on these.
CREATE INDEX memory_run IF NOT EXISTS FOR (m:Memory) ON (m.run_id)
