// Current relations of the scope whose provenance names any of the memories $ids (scope rows as in
// relations_list).
CALL () {
  MATCH ()-[x:RELATES]->() USING INDEX x:RELATES(run_id) WHERE x.run_id = $seek_run RETURN x
  UNION ALL
  MATCH ()-[x:RELATES]->() USING INDEX x:RELATES(user_id) WHERE x.user_id = $seek_user RETURN x
  UNION ALL
  MATCH ()-[x:RELATES]->() USING INDEX x:RELATES(agent_id) WHERE x.agent_id = $seek_agent RETURN x
  UNION ALL
  MATCH ()-[x:RELATES]->() USING INDEX x:RELATES(user_id) WHERE x.user_id >= $seek_any RETURN x
}
WITH x
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id)
  AND ($run_id IS NULL OR x.run_id = $run_id)
  AND x.expired_at IS NULL AND (x.invalid_at IS NULL OR x.invalid_at > $now)
  AND any(id IN x.memory_ids WHERE id IN $ids)
MATCH (s:Entity)-[x]->(t:Entity)
RETURN x {.id, .type, .fact, .user_id, .agent_id, .run_id, .confidence, .created_at, .valid_at, .invalid_at,
          .expired_at, .memory_ids, .episode_ids, .actor_id,
          source_id: s.id, target_id: t.id, source: s.name, target: t.name} AS relation
ORDER BY x.created_at, x.id
