UNWIND $ids AS id
MATCH (x:Memory {id: id})
WHERE x.embedding IS NOT NULL
RETURN id, 2 * vector.similarity.cosine(x.embedding, $vector) - 1 AS score
