// BM25 over entity names and aliases within the read scope; $query carries the scope as zero-boost phrase
// clauses, and the best $limit matches are checked exactly, as in memory_fulltext (`yielded` and `floor` tell the
// caller whether the top $k is complete).
CALL db.index.fulltext.queryNodes('entity_names_tenant', $query, {limit: $limit}) YIELD node, score
WITH collect({x: node, score: score}) AS found
CALL (found) {
  UNWIND found AS f
  WITH f.x AS x, f.score AS score
  WHERE {{in_scope x}}
  WITH x.id AS id, score
  ORDER BY score DESC, id
  LIMIT $k
  RETURN collect([id, score]) AS hits
}
RETURN size(found) AS yielded, reduce(low = null, f IN found | CASE WHEN low IS NULL OR f.score < low
  THEN f.score ELSE low END) AS floor, hits
