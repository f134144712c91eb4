// Deleting an entity deletes its relations with it.
MATCH (m:Entity)
WHERE ($user_id IS NULL OR m.user_id = $user_id) AND ($agent_id IS NULL OR m.agent_id = $agent_id) AND ($run_id IS NULL OR m.run_id = $run_id)
DETACH DELETE m
