MATCH ()-[x:RELATES]->()
WHERE ($user_id IS NULL OR x.user_id = $user_id) AND ($agent_id IS NULL OR x.agent_id = $agent_id) AND ($run_id IS NULL OR x.run_id = $run_id) AND x.embedding IS NOT NULL
RETURN count(x) AS n
