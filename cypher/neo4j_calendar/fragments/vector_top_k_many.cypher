// vector_top_k (calendar line: read it for the scope filter inside the index) once per query in $queries, in one
// round trip. Each query is a map {i, vector, widen, exact}; the index's pool is $pool for all of them (a SEARCH
// limit cannot vary by row: the caller sizes it for the widest query it retries).
// 1 = nodes or relationships, 2 = the label or type, 3 = the vector index's base name, 4 = the time rule fragment.
// Returns i, rows, candidates, total, hits (results.py VectorManyRow).
CYPHER 25
CALL () {
  MATCH {{pattern_{{1}} x {{2}}}} RETURN count(x) AS total
}
UNWIND $queries AS q
WITH total, q, CASE WHEN q.exact THEN 0 WHEN $pool >= total THEN total ELSE $pool END AS candidates
WITH total, q, candidates, q.vector AS v
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
RETURN q.i AS i, total AS rows, candidates, total, hits
