UNWIND range(0, size($ids) - 1) AS i
MATCH (x:Entity {id: $ids[i]})
RETURN x {.id, .name, .normalized, .type, .summary, .user_id, .agent_id, .run_id, .created_at, .aliases,
          .names} AS entity
ORDER BY i
