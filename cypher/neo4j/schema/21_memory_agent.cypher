// Read scopes without a user (agent-only, run-only) seek on these.
CREATE INDEX memory_agent IF NOT EXISTS FOR (m:Memory) ON (m.agent_id)
