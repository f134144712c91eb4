// Memories by id, in the order asked. Properties are named, so the embedding is read only when asked for.
UNWIND range(0, size($ids) - 1) AS i
MATCH (m:Memory {id: $ids[i]})
OPTIONAL MATCH (e:Episode)-[p:PRODUCED]->(m)
WITH i, m, p, e ORDER BY p.at, e.id
WITH i, m, collect(e.id) AS episode_ids
RETURN m {.id, .text, .hash, .user_id, .agent_id, .run_id, .tenant, .metadata, .categories, .actor_id, .role,
          .created_at, .updated_at, .valid_at, .invalid_at, .expired_at,
          embedding: CASE WHEN $with_embeddings THEN m.embedding END} AS memory, episode_ids
ORDER BY i
