UNWIND $ids AS id
MATCH (s:Entity)-[x:RELATES {id: id}]->(t:Entity)
USING INDEX x:RELATES(id)
RETURN {{relation_map x s t}} AS relation
ORDER BY x.created_at, x.id
