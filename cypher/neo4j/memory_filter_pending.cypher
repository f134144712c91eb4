// Memories written before filters ran in Cypher: no flattened metadata yet (see stores/filter_cypher.py).
MATCH (m:Memory)
WHERE m.category_list IS NULL
RETURN m.id AS id, m.metadata AS metadata, m.categories AS categories
LIMIT $batch
