// Read scopes without a user (agent-only, run-only) seek on these.
CREATE INDEX entity_agent IF NOT EXISTS FOR (e:Entity) ON (e.agent_id)
