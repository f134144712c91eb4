CALL db.index.fulltext.queryNodes('entity_names', $query) YIELD node AS x, score
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id) AND ($run_id IS NULL OR x.run_id = $run_id)
RETURN x.id AS id, score
ORDER BY score DESC, id
LIMIT $k
