// One lock node per exact scope and tenant (see scope_lock.cypher); unique, so concurrent first writers MERGE one
// node. Replaces write_lock_key (the same without the tenant), which 47_drop_write_lock_key drops.
CREATE CONSTRAINT write_lock_scope_key IF NOT EXISTS
FOR (l:WriteLock) REQUIRE (l.tenant, l.user_id, l.agent_id, l.run_id) IS UNIQUE
