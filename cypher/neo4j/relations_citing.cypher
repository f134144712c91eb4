// Current relations of the scope whose provenance names any of the memories $ids (scope rows as in
// relations_list).
{{seek relationships x RELATES}}
WITH x
WHERE {{in_scope x}}
  AND {{current x}}
  AND any(id IN x.memory_ids WHERE id IN $ids)
MATCH (s:Entity)-[x]->(t:Entity)
RETURN {{relation_map x s t}} AS relation
ORDER BY x.created_at, x.id
