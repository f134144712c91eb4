// The scope's memories, oldest first; its rows come from an index seek on its most selective key (exactly one
// $seek_* is set: run > user > agent; $seek_any = '' for an empty scope). Properties are named, so the
// embedding is never read.
{{seek nodes m Memory}}
WITH m
WHERE {{in_scope m}}
  AND ($include_expired OR ({{current m}}))
OPTIONAL MATCH (e:Episode)-[p:PRODUCED]->(m)
WITH m, p, e ORDER BY p.at, e.id
WITH m, collect(e.id) AS episode_ids
RETURN {{memory_map m}} AS memory, episode_ids
ORDER BY m.created_at, m.id
