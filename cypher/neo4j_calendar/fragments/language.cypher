// Cypher 25, for the SEARCH clause (vector_index_nodes / vector_index_relationships on the calendar line).
CYPHER 25
