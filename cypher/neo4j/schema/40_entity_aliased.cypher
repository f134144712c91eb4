// Entities that answer to a name besides their own carry :Aliased; resolution seeks them by exact scope.
CREATE INDEX entity_aliased IF NOT EXISTS FOR (e:Aliased) ON (e.user_id, e.agent_id, e.run_id)
