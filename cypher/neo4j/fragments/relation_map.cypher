// A relation row (graphmem/stores/cypher/results.py RelationRow) without its embedding, a large list.
// 1 = the relationship, 2 = its source node, 3 = its target node.
{{1}} {.id, .type, .fact, .user_id, .agent_id, .run_id, .tenant, .confidence, .created_at, .valid_at, .invalid_at,
       .expired_at, .memory_ids, .episode_ids, .actor_id,
       source_id: {{2}}.id, target_id: {{3}}.id, source: {{2}}.name, target: {{3}}.name}
