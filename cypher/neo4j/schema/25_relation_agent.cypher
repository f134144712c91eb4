// Read scopes without a user (agent-only, run-only) seek on these.
CREATE INDEX relation_agent IF NOT EXISTS FOR ()-[r:RELATES]-() ON (r.agent_id)
