UNWIND $rows AS row
MATCH (m:Memory {id: row.id})
SET m.text = row.text, m.hash = row.hash, m.metadata = row.metadata, m.updated_at = row.updated_at,
    m.embedding = row.embedding
