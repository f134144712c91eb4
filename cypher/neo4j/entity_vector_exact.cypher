// Exact cosine over the scope's rows: used when the scope is small enough, so a small tenant among
// large ones always gets its true nearest neighbours. Scores are mapped from Neo4j's [0, 1] back to [-1, 1].
MATCH (x:Entity)
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id) AND ($run_id IS NULL OR x.run_id = $run_id) AND x.embedding IS NOT NULL
  AND true
WITH x, 2 * vector.similarity.cosine(x.embedding, $vector) - 1 AS score
RETURN x.id AS id, score
ORDER BY score DESC, id
LIMIT $k
