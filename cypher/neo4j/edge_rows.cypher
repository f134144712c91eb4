// Light rows for the graph walk (graphmem/stores/base.py Edge): relations touching each entity, either direction,
// at most $per_entity per entity: the types $prefer weighs highest first (a type it does not name weighs 0), then
// newest, then by id. Ranked before the far ends are read, and only what the walk steers by is returned (no
// scope, validity or episode ids, no embedding): the search reads full records of the few it reports.
UNWIND $entity_ids AS entity_id
MATCH (e:Entity {id: entity_id})
CALL (e) {
  MATCH (e)-[x:RELATES]-()
  WHERE {{in_scope x}}
    AND {{current_at x}}
  RETURN x
  ORDER BY coalesce($prefer[x.type], 0.0) DESC, x.created_at DESC, x.id
  LIMIT $per_entity
}
WITH DISTINCT x
MATCH (s:Entity)-[x]->(t:Entity)
RETURN x.id AS id, s.id AS source_id, t.id AS target_id, s.name AS source, t.name AS target, x.type AS type,
       x.fact AS fact, x.created_at AS created_at, x.memory_ids AS memory_ids
ORDER BY x.created_at, x.id
