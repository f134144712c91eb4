// Approximate search over the whole index, then the scope filter; the caller widens $candidates until
// it has k hits or falls back to the exact query.
CALL db.index.vector.queryNodes('entity_embedding', $candidates, $vector) YIELD node AS x
WITH x, 2 * vector.similarity.cosine(x.embedding, $vector) - 1 AS score
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id) AND ($run_id IS NULL OR x.run_id = $run_id)
  AND true
RETURN x.id AS id, score
ORDER BY score DESC, id
LIMIT $k
