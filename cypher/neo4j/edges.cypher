// Relations touching each entity, either direction, at most $per_entity per entity, newest first. Each entity by
// its unique id, then its own edges (the scope is checked on the edges, which the entity's scope already bounds).
// Properties are named (not .*), so the fact embedding, a large list, is never read.
UNWIND $entity_ids AS entity_id
MATCH (e:Entity {id: entity_id})
CALL (e) {
  MATCH (e)-[x:RELATES]-()
  WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id)
    AND ($run_id IS NULL OR x.run_id = $run_id)
    AND CASE WHEN $as_of IS NULL
    THEN x.expired_at IS NULL AND (x.invalid_at IS NULL OR x.invalid_at > $now)
    ELSE x.created_at <= $as_of AND (x.expired_at IS NULL OR x.expired_at > $as_of)
      AND (x.valid_at IS NULL OR x.valid_at <= $as_of) AND (x.invalid_at IS NULL OR x.invalid_at > $as_of)
  END
  RETURN x
  ORDER BY x.created_at DESC, x.id
  LIMIT $per_entity
}
WITH DISTINCT x
MATCH (s:Entity)-[x]->(t:Entity)
RETURN x {.id, .type, .fact, .user_id, .agent_id, .run_id, .confidence, .created_at, .valid_at, .invalid_at,
          .expired_at, .memory_ids, .episode_ids, .actor_id,
          source_id: s.id, target_id: t.id, source: s.name, target: t.name} AS relation
ORDER BY x.created_at, x.id
