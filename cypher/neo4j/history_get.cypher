MATCH (h:History {memory_id: $memory_id})
RETURN h {.*} AS event
ORDER BY h.created_at, h.id
