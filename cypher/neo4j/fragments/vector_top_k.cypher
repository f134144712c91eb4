// Top-$k by cosine within the read scope, in one round trip: the body of memory_vector, entity_vector and
// relation_vector. 1 = nodes or relationships, 2 = the label or type, 3 = the vector index, 4 = the time rule
// fragment (current_at, current or anytime). Returns rows, candidates, total, hits (results.py VectorRow).
// A small scope is searched exactly over its own rows (the seek), so a small tenant always gets its true nearest
// neighbours: at most $exact_limit rows, and few enough that reading them all (rows) costs less than the index's
// candidate pool would (about 2 * $k * total / rows): rows^2 <= $exact_ratio * k * total. A larger one asks the
// vector index for enough candidates to hold about 2 * $k of its rows ($widen times that when the caller retries
// because fewer than $k came back), then keeps the scope's. $exact forces the exact search (the caller's retry of
// a scope of at most $exact_limit rows whose index neighbours turned out to be mostly other scopes').
// Scores are exact cosines mapped from Neo4j's [0, 1] back to [-1, 1] (the index may quantize vectors).
{{language}}
CALL () {
  {{seek {{1}} x {{2}}}}
  RETURN count(x) AS rows
}
CALL () {
  MATCH {{pattern_{{1}} x {{2}}}} RETURN count(x) AS total
}
WITH rows, total, {{vector_wanted $widen}} AS wanted
WITH rows, total, {{vector_pool $exact}} AS candidates
CALL (candidates) {
  CALL (candidates) {
    WITH candidates WHERE candidates = 0
    {{seek {{1}} x {{2}}}}
    RETURN x
    UNION ALL
    WITH candidates WHERE candidates > 0
    {{vector_index_{{1}} {{3}} candidates $vector x}}
    RETURN x
  }
  WITH x
  WHERE {{in_scope x}} AND x.embedding IS NOT NULL
    AND {{{{4}} x}}
  WITH x.id AS id, 2 * vector.similarity.cosine(x.embedding, $vector) - 1 AS score
  ORDER BY score DESC, id
  LIMIT $k
  RETURN collect([id, score]) AS hits
}
RETURN rows, candidates, total, hits
