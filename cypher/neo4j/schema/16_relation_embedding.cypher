CREATE VECTOR INDEX relation_embedding IF NOT EXISTS FOR ()-[r:RELATES]-() ON (r.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: $dim, `vector.similarity_function`: 'cosine'}}
