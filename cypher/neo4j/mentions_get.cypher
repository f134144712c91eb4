UNWIND $ids AS id
MATCH (m:Memory {id: id})-[:MENTIONS]->(e:Entity)
RETURN m.id AS memory_id, e.id AS entity_id
ORDER BY memory_id, entity_id
