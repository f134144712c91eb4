UNWIND range(0, size($ids) - 1) AS i
MATCH (x:Entity {id: $ids[i]})
RETURN {{entity_map x}} AS entity
ORDER BY i
