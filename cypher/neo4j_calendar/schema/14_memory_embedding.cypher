// The calendar line filters a vector search by scope inside the index (the SEARCH clause over its additional
// properties): a new index, since an index's properties cannot change; 50_drop_memory_embedding drops the old one.
CYPHER 25 CREATE VECTOR INDEX memory_embedding_by_scope IF NOT EXISTS FOR (m:Memory) ON (m.embedding)
WITH [m.tenant, m.user_id, m.agent_id, m.run_id]
OPTIONS {indexConfig: {`vector.dimensions`: $dim, `vector.similarity_function`: 'cosine'}}
