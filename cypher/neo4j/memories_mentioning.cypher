// Current memories of the read scope that mention the entities, newest first: one unique-index seek per entity
// (hinted: with few entities the planner may pick an index scan), then its incoming MENTIONS.
UNWIND $entity_ids AS entity_id
MATCH (e:Entity {id: entity_id})<-[:MENTIONS]-(m:Memory)
USING INDEX e:Entity(id)
WHERE ($user_id IS NULL OR m.user_id = $user_id) AND ($agent_id IS NULL OR m.agent_id = $agent_id)
  AND ($run_id IS NULL OR m.run_id = $run_id)
  AND m.expired_at IS NULL AND (m.invalid_at IS NULL OR m.invalid_at > $now)
RETURN m.id AS memory_id, e.id AS entity_id
ORDER BY m.created_at DESC, memory_id, entity_id
LIMIT $limit
