// Current relations of exactly this scope by (source, type, target).
UNWIND $keys AS key
MATCH (s:Entity {id: key[0]})-[x:RELATES]->(t:Entity {id: key[2]})
WHERE x.type = key[1] AND x.user_id = $user_id AND x.agent_id = $agent_id AND x.run_id = $run_id
  AND x.expired_at IS NULL AND (x.invalid_at IS NULL OR x.invalid_at > $now)
WITH key, x ORDER BY x.created_at, x.id
WITH key, collect(x.id)[0] AS id
RETURN key, id
