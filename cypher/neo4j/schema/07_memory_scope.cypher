CREATE INDEX memory_scope IF NOT EXISTS FOR (m:Memory) ON (m.user_id, m.agent_id, m.run_id)
