// Current memories of the read scope that mention the entities, newest first: one unique-index seek per entity
// (hinted: with few entities the planner may pick an index scan), then its incoming MENTIONS.
UNWIND $entity_ids AS entity_id
MATCH (e:Entity {id: entity_id})<-[:MENTIONS]-(m:Memory)
USING INDEX e:Entity(id)
WHERE {{in_scope m}}
  AND {{current m}}
RETURN m.id AS memory_id, e.id AS entity_id
ORDER BY m.created_at DESC, memory_id, entity_id
LIMIT $limit
