// The read scope's rows from an index seek on its most selective key, as a unit subquery returning the variable.
// Exactly one $seek_* parameter is set (run > user > agent; $seek_any = '' for an empty scope, every row): each
// branch seeks one key's index, and a branch whose key is null finds nothing, so only the chosen index is read.
// 1 = nodes or relationships, 2 = the variable, 3 = the label or relationship type (with run_id, user_id and
// agent_id indexes: schema/). The tenant is tested on the rows the seek found (never free, see in_scope), so
// counts of the scope's rows (vector_top_k) are the tenant's alone.
CALL () {
  MATCH {{pattern_{{1}} {{2}} {{3}}}} USING INDEX {{2}}:{{3}}(run_id)
    WHERE {{2}}.run_id = $seek_run AND {{2}}.tenant = $tenant RETURN {{2}}
  UNION ALL
  MATCH {{pattern_{{1}} {{2}} {{3}}}} USING INDEX {{2}}:{{3}}(user_id)
    WHERE {{2}}.user_id = $seek_user AND {{2}}.tenant = $tenant RETURN {{2}}
  UNION ALL
  MATCH {{pattern_{{1}} {{2}} {{3}}}} USING INDEX {{2}}:{{3}}(agent_id)
    WHERE {{2}}.agent_id = $seek_agent AND {{2}}.tenant = $tenant RETURN {{2}}
  UNION ALL
  MATCH {{pattern_{{1}} {{2}} {{3}}}} USING INDEX {{2}}:{{3}}(user_id)
    WHERE {{2}}.user_id >= $seek_any AND {{2}}.tenant = $tenant RETURN {{2}}
}
