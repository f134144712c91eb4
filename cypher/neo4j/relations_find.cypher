// Current relations of exactly this scope by (source, type, target).
UNWIND $keys AS key
MATCH (s:Entity {id: key[0]})-[x:RELATES]->(t:Entity {id: key[2]})
WHERE x.type = key[1] AND {{exact_scope x}}
  AND {{current x}}
WITH key, x ORDER BY x.created_at, x.id
WITH key, collect(x.id)[0] AS id
RETURN key, id
