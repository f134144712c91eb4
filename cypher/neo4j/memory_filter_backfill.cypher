// The flattened metadata filters read, computed in Python from m.metadata (Cypher cannot parse JSON without APOC).
UNWIND $rows AS row
MATCH (m:Memory {id: row.id})
WHERE m.category_list IS NULL
SET m += row.props
