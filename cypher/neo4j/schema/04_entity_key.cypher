// One entity per normalized name per exact scope and tenant: the store-level guard against merging across users
// or tenants. Replaces entity_key (the same without the tenant), which 46_drop_entity_key drops.
CREATE CONSTRAINT entity_scope_key IF NOT EXISTS
FOR (e:Entity) REQUIRE (e.tenant, e.user_id, e.agent_id, e.run_id, e.normalized) IS UNIQUE
