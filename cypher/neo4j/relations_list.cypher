// The scope's relations, oldest first; its rows come from an index seek on its most selective key (exactly one
// $seek_* is set: run > user > agent; $seek_any = '' for an empty scope).
{{seek relationships x RELATES}}
WITH x
WHERE {{in_scope x}}
  AND ($include_expired OR ({{current x}}))
MATCH (s:Entity)-[x]->(t:Entity)
RETURN {{relation_map x s t}} AS relation
ORDER BY x.created_at, x.id
