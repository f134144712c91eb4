// Read scope: null fields are free. Exact scope: absent fields are passed as ''.
MATCH (x:Entity)
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id) AND ($run_id IS NULL OR x.run_id = $run_id) AND any(n IN x.names WHERE n IN $names)
RETURN x {.*, embedding: null} AS entity
ORDER BY x.id
