MATCH (s:Entity)-[x:RELATES]->(t:Entity)
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id)
  AND ($run_id IS NULL OR x.run_id = $run_id)
  AND x.expired_at IS NULL AND (x.invalid_at IS NULL OR x.invalid_at > $now)
  AND any(id IN x.memory_ids WHERE id IN $ids)
RETURN x {.*, embedding: null, source_id: s.id, target_id: t.id, source: s.name, target: t.name} AS relation
ORDER BY x.created_at, x.id
