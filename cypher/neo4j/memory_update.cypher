MATCH (m:Memory {id: $id})
SET m.text = $text, m.hash = $hash, m.metadata = $metadata, m.updated_at = $updated_at, m.embedding = $embedding
