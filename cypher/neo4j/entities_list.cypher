// The scope's entities; its rows come from an index seek on its most selective key (see entities_by_names).
CALL () {
  MATCH (x:Entity) USING INDEX x:Entity(run_id) WHERE x.run_id = $seek_run RETURN x
  UNION ALL
  MATCH (x:Entity) USING INDEX x:Entity(user_id) WHERE x.user_id = $seek_user RETURN x
  UNION ALL
  MATCH (x:Entity) USING INDEX x:Entity(agent_id) WHERE x.agent_id = $seek_agent RETURN x
  UNION ALL
  MATCH (x:Entity) USING INDEX x:Entity(user_id) WHERE x.user_id >= $seek_any RETURN x
}
WITH x
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id)
  AND ($run_id IS NULL OR x.run_id = $run_id)
RETURN x {.id, .name, .normalized, .type, .summary, .user_id, .agent_id, .run_id, .created_at, .aliases,
          .names} AS entity
ORDER BY x.name, x.id
