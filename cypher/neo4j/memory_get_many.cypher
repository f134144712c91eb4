UNWIND range(0, size($ids) - 1) AS i
MATCH (m:Memory {id: $ids[i]})
OPTIONAL MATCH (e:Episode)-[p:PRODUCED]->(m)
WITH i, m, p, e ORDER BY p.at, e.id
WITH i, m, collect(e.id) AS episode_ids
RETURN m {.*, embedding: CASE WHEN $with_embeddings THEN m.embedding ELSE null END} AS memory, episode_ids
ORDER BY i
