// One entity per normalized name per exact scope: the store-level guard against merging across users.
CREATE CONSTRAINT entity_key IF NOT EXISTS FOR (e:Entity) REQUIRE (e.user_id, e.agent_id, e.run_id, e.normalized) IS UNIQUE
