// Top-$k memories by cosine within the read scope (current ones), for every query in $queries, in one round trip:
// memory_vector's search (read it for the seek, the exact/approximate choice and the scores), run once per query.
// Each query is a map {i, vector, widen, exact}: its position in the caller's list and its own $vector, $widen and
// $exact. The scope's rows and the store's total are counted once for all of them. The write path gathers the
// candidates of all of an episode's new facts with it.
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
UNWIND $queries AS q
WITH rows, total, q, q.widen * 2.0 * $k * total / CASE WHEN rows > 0 THEN rows ELSE 1 END AS wanted
WITH rows, total, q, CASE WHEN q.exact OR rows <= $exact_limit AND rows * rows <= $exact_ratio * $k * total THEN 0
  WHEN wanted >= total THEN total
  WHEN wanted < 100 THEN 100 ELSE toInteger(ceil(wanted)) END AS candidates
CALL (q, candidates) {
  CALL (q, candidates) {
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
    WITH q, candidates WHERE candidates > 0
    CALL db.index.vector.queryNodes('memory_embedding', candidates, q.vector) YIELD node AS x
    RETURN x
  }
  WITH q, x
  WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id)
    AND ($run_id IS NULL OR x.run_id = $run_id) AND x.embedding IS NOT NULL
    AND x.expired_at IS NULL AND (x.invalid_at IS NULL OR x.invalid_at > $now)
  WITH x.id AS id, 2 * vector.similarity.cosine(x.embedding, q.vector) - 1 AS score
  ORDER BY score DESC, id
  LIMIT $k
  RETURN collect([id, score]) AS hits
}
RETURN q.i AS i, rows, candidates, total, hits
