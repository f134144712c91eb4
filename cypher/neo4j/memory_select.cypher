// The scope's memories that pass a filter, oldest first, at most $limit. __FILTER__ is replaced by the predicate
// stores/filter_cypher.py compiles from the filter tree: fixed fragments only, every value and metadata key a
// parameter ($f0, $f1, ...). Otherwise as memory_list.
{{seek nodes m Memory}}
WITH m
WHERE {{in_scope m}}
  AND ($include_expired OR ({{current m}}))
  AND __FILTER__
WITH m ORDER BY m.created_at, m.id LIMIT $limit
OPTIONAL MATCH (e:Episode)-[p:PRODUCED]->(m)
WITH m, p, e ORDER BY p.at, e.id
WITH m, collect(e.id) AS episode_ids
RETURN {{memory_map m}} AS memory, episode_ids
ORDER BY m.created_at, m.id
