// One lock node per exact scope (see scope_lock.cypher); unique, so concurrent first writers MERGE one node.
CREATE CONSTRAINT write_lock_key IF NOT EXISTS FOR (l:WriteLock) REQUIRE (l.user_id, l.agent_id, l.run_id) IS UNIQUE
