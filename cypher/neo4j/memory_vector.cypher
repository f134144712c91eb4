// Top-$k memories by cosine within the read scope (current ones, or those believed true at $as_of).
// One round trip. The scope's rows are found by an index seek on its most selective key: exactly one $seek_*
// parameter is set (run > user > agent; $seek_any = '' for an empty scope), the other branches seek a null key
// and find nothing.
// A small scope is searched exactly over its own rows, so a small tenant always gets its true nearest neighbours:
// at most $exact_limit rows, and few enough that reading them all (rows) costs less than the index's candidate
// pool would (about 2 * $k * total / rows): rows^2 <= $exact_ratio * $k * total. A larger one asks the vector
// index for enough candidates to hold about 2 * $k of its rows ($widen times that when the caller retries because
// fewer than $k came back), then keeps the scope's. $exact forces the exact search (the caller's retry of a scope
// of at most $exact_limit rows whose index neighbours turned out to be mostly other scopes').
// Scores are exact cosines mapped from Neo4j's [0, 1] back to [-1, 1] (the index may quantize vectors).
CALL () {
  CALL () {
    MATCH (x:Memory) USING INDEX x:Memory(run_id) WHERE x.run_id = $seek_run RETURN x
    UNION ALL
    MATCH (x:Memory) USING INDEX x:Memory(user_id) WHERE x.user_id = $seek_user RETURN x
    UNION ALL
    MATCH (x:Memory) USING INDEX x:Memory(agent_id) WHERE x.agent_id = $seek_agent RETURN x
    UNION ALL
    MATCH (x:Memory) USING INDEX x:Memory(user_id) WHERE x.user_id >= $seek_any RETURN x
  }
  RETURN count(x) AS rows
}
CALL () {
  MATCH (x:Memory) RETURN count(x) AS total
}
WITH rows, total, $widen * 2.0 * $k * total / CASE WHEN rows > 0 THEN rows ELSE 1 END AS wanted
WITH rows, total, CASE WHEN $exact OR rows <= $exact_limit AND rows * rows <= $exact_ratio * $k * total THEN 0
  WHEN wanted >= total THEN total
  WHEN wanted < 100 THEN 100 ELSE toInteger(ceil(wanted)) END AS candidates
CALL (candidates) {
  CALL (candidates) {
    WITH candidates WHERE candidates = 0
    CALL () {
      MATCH (x:Memory) USING INDEX x:Memory(run_id) WHERE x.run_id = $seek_run RETURN x
      UNION ALL
      MATCH (x:Memory) USING INDEX x:Memory(user_id) WHERE x.user_id = $seek_user RETURN x
      UNION ALL
      MATCH (x:Memory) USING INDEX x:Memory(agent_id) WHERE x.agent_id = $seek_agent RETURN x
      UNION ALL
      MATCH (x:Memory) USING INDEX x:Memory(user_id) WHERE x.user_id >= $seek_any RETURN x
    }
    RETURN x
    UNION ALL
    WITH candidates WHERE candidates > 0
    CALL db.index.vector.queryNodes('memory_embedding', candidates, $vector) YIELD node AS x
    RETURN x
  }
  WITH x
  WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id)
    AND ($run_id IS NULL OR x.run_id = $run_id) AND x.embedding IS NOT NULL
    AND CASE WHEN $as_of IS NULL
      THEN x.expired_at IS NULL AND (x.invalid_at IS NULL OR x.invalid_at > $now)
      ELSE x.created_at <= $as_of AND (x.expired_at IS NULL OR x.expired_at > $as_of)
        AND (x.valid_at IS NULL OR x.valid_at <= $as_of) AND (x.invalid_at IS NULL OR x.invalid_at > $as_of)
    END
  WITH x.id AS id, 2 * vector.similarity.cosine(x.embedding, $vector) - 1 AS score
  ORDER BY score DESC, id
  LIMIT $k
  RETURN collect([id, score]) AS hits
}
RETURN rows, candidates, total, hits
