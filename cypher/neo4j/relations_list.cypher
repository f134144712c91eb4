// The scope's relations, oldest first; its rows come from an index seek on its most selective key (exactly one
// $seek_* is set: run > user > agent; $seek_any = '' for an empty scope).
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
  AND ($include_expired OR (x.expired_at IS NULL AND (x.invalid_at IS NULL OR x.invalid_at > $now)))
MATCH (s:Entity)-[x]->(t:Entity)
RETURN x {.id, .type, .fact, .user_id, .agent_id, .run_id, .confidence, .created_at, .valid_at, .invalid_at,
          .expired_at, .memory_ids, .episode_ids, .actor_id,
          source_id: s.id, target_id: t.id, source: s.name, target: t.name} AS relation
ORDER BY x.created_at, x.id
