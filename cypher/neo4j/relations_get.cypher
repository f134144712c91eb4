UNWIND $ids AS id
MATCH (s:Entity)-[x:RELATES {id: id}]->(t:Entity)
USING INDEX x:RELATES(id)
RETURN x {.id, .type, .fact, .user_id, .agent_id, .run_id, .confidence, .created_at, .valid_at, .invalid_at,
          .expired_at, .memory_ids, .episode_ids, .actor_id,
          source_id: s.id, target_id: t.id, source: s.name, target: t.name} AS relation
ORDER BY x.created_at, x.id
