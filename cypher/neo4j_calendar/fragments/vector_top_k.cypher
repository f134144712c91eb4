// vector_top_k on the calendar line: the vector index filters by scope inside the search (Cypher 25's SEARCH
// over the index's additional properties, {{3}}_by_scope: schema/14-16), so the index hands over only the scope's
// rows and the pool is $pool (about 2 * $k; the caller widens it when too few were current) instead of a pool sized
// to hold 2 * $k of the scope's rows among everyone's. No count of the scope's rows is needed: `rows` reports the
// store's count, an upper bound, with which the caller chooses the exact search only for a store that small.
// 1 = nodes or relationships, 2 = the label or type, 3 = the vector index's base name, 4 = the time rule fragment.
// Returns rows, candidates, total, hits (results.py VectorRow).
CYPHER 25
CALL () {
  MATCH {{pattern_{{1}} x {{2}}}} RETURN count(x) AS total
}
WITH total, CASE WHEN $exact THEN 0 WHEN $pool >= total THEN total ELSE $pool END AS candidates
WITH total, candidates, $vector AS v
CALL (candidates, v) {
  CALL (candidates, v) {
    WITH candidates WHERE candidates = 0
    {{seek {{1}} x {{2}}}}
    RETURN x
    UNION ALL
    WITH v, candidates WHERE candidates > 0
    {{vector_search_by_scope {{1}} {{2}} {{3}} v x}}
    RETURN x
  }
  WITH x
  WHERE {{in_scope x}} AND x.embedding IS NOT NULL
    AND {{{{4}} x}}
  WITH x.id AS id, 2 * vector.similarity.cosine(x.embedding, v) - 1 AS score
  ORDER BY score DESC, id
  LIMIT $k
  RETURN collect([id, score]) AS hits
}
RETURN total AS rows, candidates, total, hits
