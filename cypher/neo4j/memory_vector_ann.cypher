// Approximate search over the whole index, then the scope filter; the caller widens $candidates until
// it has k hits. Scores are recomputed exactly: the index may quantize vectors, so its own scores are rough.
CALL db.index.vector.queryNodes('memory_embedding', $candidates, $vector) YIELD node AS x
WITH x, 2 * vector.similarity.cosine(x.embedding, $vector) - 1 AS score
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id) AND ($run_id IS NULL OR x.run_id = $run_id)
  AND CASE WHEN $as_of IS NULL
    THEN x.expired_at IS NULL AND (x.invalid_at IS NULL OR x.invalid_at > $now)
    ELSE x.created_at <= $as_of AND (x.expired_at IS NULL OR x.expired_at > $as_of)
      AND (x.valid_at IS NULL OR x.valid_at <= $as_of) AND (x.invalid_at IS NULL OR x.invalid_at > $as_of)
  END
RETURN x.id AS id, score
ORDER BY score DESC, id
LIMIT $k
