UNWIND $ids AS id
MATCH ()-[x:RELATES {id: id}]->()
USING INDEX x:RELATES(id)
WHERE x.embedding IS NOT NULL
RETURN id, 2 * vector.similarity.cosine(x.embedding, $vector) - 1 AS score
