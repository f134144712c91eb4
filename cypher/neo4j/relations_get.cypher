UNWIND $ids AS id
MATCH (s:Entity)-[x:RELATES {id: id}]->(t:Entity)
RETURN x {.*, embedding: null, source_id: s.id, target_id: t.id, source: s.name, target: t.name} AS relation
ORDER BY x.created_at, x.id
