MATCH (m:Memory)
WHERE ($user_id IS NULL OR m.user_id = $user_id) AND ($agent_id IS NULL OR m.agent_id = $agent_id) AND ($run_id IS NULL OR m.run_id = $run_id)
  AND ($include_expired OR (m.expired_at IS NULL AND (m.invalid_at IS NULL OR m.invalid_at > $now)))
OPTIONAL MATCH (e:Episode)-[p:PRODUCED]->(m)
WITH m, p, e ORDER BY p.at, e.id
WITH m, collect(e.id) AS episode_ids
RETURN m {.*, embedding: null} AS memory, episode_ids
ORDER BY m.created_at, m.id
