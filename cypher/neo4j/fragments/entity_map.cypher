// An entity row (graphmem/stores/cypher/results.py EntityRow) without its embedding. 1 = the node.
{{1}} {.id, .name, .normalized, .type, .summary, .user_id, .agent_id, .run_id, .tenant, .created_at, .aliases, .names}
