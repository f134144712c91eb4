// The calendar line's vector index search filtered by the read scope inside the index: the $pool nearest rows of
// the scope's most selective key ($seek_run, $seek_user or $seek_agent, as the seek fragment chooses; $seek_any for
// an empty scope) in the tenant. A branch whose key is null matches nothing. The other scope keys, and currency,
// are checked on what comes back. 1 = nodes or relationships, 2 = the label or type, 3 = the index's base name,
// 4 = the query vector's variable, 5 = the variable the rows bind.
CALL ({{4}}) {
  MATCH {{pattern_{{1}} {{5}} {{2}}}}
    SEARCH {{5}} IN (VECTOR INDEX {{3}}_by_scope FOR {{4}}
      WHERE {{5}}.tenant = $tenant AND {{5}}.run_id = $seek_run LIMIT $pool)
  RETURN {{5}}
  UNION ALL
  MATCH {{pattern_{{1}} {{5}} {{2}}}}
    SEARCH {{5}} IN (VECTOR INDEX {{3}}_by_scope FOR {{4}}
      WHERE {{5}}.tenant = $tenant AND {{5}}.user_id = $seek_user LIMIT $pool)
  RETURN {{5}}
  UNION ALL
  MATCH {{pattern_{{1}} {{5}} {{2}}}}
    SEARCH {{5}} IN (VECTOR INDEX {{3}}_by_scope FOR {{4}}
      WHERE {{5}}.tenant = $tenant AND {{5}}.agent_id = $seek_agent LIMIT $pool)
  RETURN {{5}}
  UNION ALL
  MATCH {{pattern_{{1}} {{5}} {{2}}}}
    SEARCH {{5}} IN (VECTOR INDEX {{3}}_by_scope FOR {{4}}
      WHERE {{5}}.tenant = $tenant AND {{5}}.user_id >= $seek_any LIMIT $pool)
  RETURN {{5}}
}
