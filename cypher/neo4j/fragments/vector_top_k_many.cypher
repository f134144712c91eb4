// vector_top_k (read it for the seek, the exact/approximate choice and the scores) once per query in $queries, in
// one round trip. Each query is a map {i, vector, widen, exact}: its position in the caller's list and its own
// $vector, $widen and $exact. The scope's rows and the store's total are counted once for all of them.
// 1 = nodes or relationships, 2 = the label or type, 3 = the vector index, 4 = the time rule fragment.
// Returns i, rows, candidates, total, hits (results.py VectorManyRow).
{{language}}
CALL () {
  {{seek {{1}} x {{2}}}}
  RETURN count(x) AS rows
}
CALL () {
  MATCH {{pattern_{{1}} x {{2}}}} RETURN count(x) AS total
}
UNWIND $queries AS q
WITH rows, total, q, {{vector_wanted q.widen}} AS wanted
WITH rows, total, q, {{vector_pool q.exact}} AS candidates
CALL (q, candidates) {
  CALL (q, candidates) {
    WITH candidates WHERE candidates = 0
    {{seek {{1}} x {{2}}}}
    RETURN x
    UNION ALL
    WITH q, candidates WHERE candidates > 0
    {{vector_index_{{1}} {{3}} candidates q.vector x}}
    RETURN x
  }
  WITH q, x
  WHERE {{in_scope x}} AND x.embedding IS NOT NULL
    AND {{{{4}} x}}
  WITH x.id AS id, 2 * vector.similarity.cosine(x.embedding, q.vector) - 1 AS score
  ORDER BY score DESC, id
  LIMIT $k
  RETURN collect([id, score]) AS hits
}
RETURN q.i AS i, rows, candidates, total, hits
