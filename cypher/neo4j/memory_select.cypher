// The scope's memories that pass a filter, oldest first, at most $limit. __FILTER__ is replaced by the predicate
// stores/filter_cypher.py compiles from the filter tree: fixed fragments only, every value and metadata key a
// parameter ($f0, $f1, ...). Otherwise as memory_list.
CALL () {
  MATCH (m:Memory) USING INDEX m:Memory(run_id) WHERE m.run_id = $seek_run RETURN m
  UNION ALL
  MATCH (m:Memory) USING INDEX m:Memory(user_id) WHERE m.user_id = $seek_user RETURN m
  UNION ALL
  MATCH (m:Memory) USING INDEX m:Memory(agent_id) WHERE m.agent_id = $seek_agent RETURN m
  UNION ALL
  MATCH (m:Memory) USING INDEX m:Memory(user_id) WHERE m.user_id >= $seek_any RETURN m
}
WITH m
WHERE ($user_id IS NULL OR m.user_id = $user_id) AND ($agent_id IS NULL OR m.agent_id = $agent_id)
  AND ($run_id IS NULL OR m.run_id = $run_id)
  AND ($include_expired OR (m.expired_at IS NULL AND (m.invalid_at IS NULL OR m.invalid_at > $now)))
  AND __FILTER__
WITH m ORDER BY m.created_at, m.id LIMIT $limit
OPTIONAL MATCH (e:Episode)-[p:PRODUCED]->(m)
WITH m, p, e ORDER BY p.at, e.id
WITH m, collect(e.id) AS episode_ids
RETURN m {.id, .text, .hash, .user_id, .agent_id, .run_id, .metadata, .categories, .actor_id, .role, .created_at,
          .updated_at, .valid_at, .invalid_at, .expired_at} AS memory, episode_ids
ORDER BY m.created_at, m.id
