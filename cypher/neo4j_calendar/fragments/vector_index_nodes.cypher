// The vector index's nearest nodes of the read scope (calendar line): Cypher 25's SEARCH over {{1}}_by_scope, whose
// additional properties (schema/14, 15) let the index filter by the tenant and the scope's most selective key
// ($seek_run, $seek_user or $seek_agent, as the seek fragment chooses; $seek_any for an empty scope) inside the
// search, so it hands over the scope's rows only: $pool of them (store._pool, about 2k), whatever the scope's
// share of the index. A branch whose key is null matches nothing; the other keys and currency are checked on what
// comes back. 1 = the index's base name, 2 = the candidates (vector_pool: $pool or every row), 3 = the vector,
// 4 = the variable they bind.
{{vector_search_branches nodes {{1}} {{3}} {{4}}}}
