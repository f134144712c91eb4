// Read scopes without a user (agent-only, run-only) seek on these.
CREATE INDEX entity_run IF NOT EXISTS FOR (e:Entity) ON (e.run_id)
