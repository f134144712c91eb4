MATCH (m:Memory)-[:MENTIONS]->(e:Entity)
WHERE e.id IN $entity_ids AND ($user_id IS NULL OR m.user_id = $user_id) AND ($agent_id IS NULL OR m.agent_id = $agent_id) AND ($run_id IS NULL OR m.run_id = $run_id)
  AND m.expired_at IS NULL AND (m.invalid_at IS NULL OR m.invalid_at > $now)
RETURN m.id AS memory_id, e.id AS entity_id
ORDER BY m.created_at DESC, m.id
LIMIT $limit
