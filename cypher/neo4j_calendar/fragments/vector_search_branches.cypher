// One SEARCH per scope key (see vector_index_nodes), in one subquery that sees every variable (CALL (*): the
// vector may be one, q.vector). 1 = nodes or relationships, 2 = the index's base name, 3 = the vector, 4 = the
// variable the rows bind.
CALL (*) {
  MATCH {{any_{{1}} {{4}}}}
    SEARCH {{4}} IN (VECTOR INDEX {{2}}_by_scope FOR {{3}}
      WHERE {{4}}.tenant = $tenant AND {{4}}.run_id = $seek_run LIMIT $pool)
  RETURN {{4}}
  UNION ALL
  MATCH {{any_{{1}} {{4}}}}
    SEARCH {{4}} IN (VECTOR INDEX {{2}}_by_scope FOR {{3}}
      WHERE {{4}}.tenant = $tenant AND {{4}}.user_id = $seek_user LIMIT $pool)
  RETURN {{4}}
  UNION ALL
  MATCH {{any_{{1}} {{4}}}}
    SEARCH {{4}} IN (VECTOR INDEX {{2}}_by_scope FOR {{3}}
      WHERE {{4}}.tenant = $tenant AND {{4}}.agent_id = $seek_agent LIMIT $pool)
  RETURN {{4}}
  UNION ALL
  MATCH {{any_{{1}} {{4}}}}
    SEARCH {{4}} IN (VECTOR INDEX {{2}}_by_scope FOR {{3}}
      WHERE {{4}}.tenant = $tenant AND {{4}}.user_id >= $seek_any LIMIT $pool)
  RETURN {{4}}
}
