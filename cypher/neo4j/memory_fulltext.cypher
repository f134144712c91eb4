// BM25 over memory text within the read scope. $query is built by the store from word tokens only (see
// recall/terms.py), each quoted, plus one zero-boost phrase clause per set scope field and for the tenant
// (user_id:"..."^0, tenant:"..."^0; none for the library's tenant '', which has no word to match): Lucene itself
// keeps (a superset of) the scope's rows, so the cost follows the scope, not the whole index, and the scores are
// the text's alone. Lucene hands over only its best $limit matches; the exact scope and time checks
// run on those. `yielded` and `floor` (the lowest score handed over) let the caller prove the top $k complete
// (fewer than $limit matches, or a k-th score above the floor), else it asks again with a larger $limit.
CALL db.index.fulltext.queryNodes('memory_text_tenant', $query, {limit: $limit}) YIELD node, score
WITH collect({x: node, score: score}) AS found
CALL (found) {
  UNWIND found AS f
  WITH f.x AS x, f.score AS score
  WHERE {{in_scope x}}
    AND {{current_at x}}
  WITH x.id AS id, score
  ORDER BY score DESC, id
  LIMIT $k
  RETURN collect([id, score]) AS hits
}
RETURN size(found) AS yielded, reduce(low = null, f IN found | CASE WHEN low IS NULL OR f.score < low
  THEN f.score ELSE low END) AS floor, hits
