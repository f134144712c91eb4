// Relations touching each entity, either direction, at most $per_entity per entity, newest first. Each entity by
// its unique id, then its own edges (the scope is checked on the edges, which the entity's scope already bounds).
// Properties are named (not .*), so the fact embedding, a large list, is never read.
UNWIND $entity_ids AS entity_id
MATCH (e:Entity {id: entity_id})
CALL (e) {
  MATCH (e)-[x:RELATES]-()
  WHERE {{in_scope x}}
    AND {{current_at x}}
  RETURN x
  ORDER BY x.created_at DESC, x.id
  LIMIT $per_entity
}
WITH DISTINCT x
MATCH (s:Entity)-[x]->(t:Entity)
RETURN {{relation_map x s t}} AS relation
ORDER BY x.created_at, x.id
