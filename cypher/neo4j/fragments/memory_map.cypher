// A memory row (graphmem/stores/cypher/results.py MemoryRow) without its embedding. 1 = the node.
{{1}} {.id, .text, .hash, .user_id, .agent_id, .run_id, .tenant, .metadata, .categories, .actor_id, .role,
       .created_at, .updated_at, .valid_at, .invalid_at, .expired_at}
