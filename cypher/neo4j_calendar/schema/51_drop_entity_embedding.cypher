// Replaced by entity_embedding_by_scope (15) on the calendar line: drop the index of databases created before it.
DROP INDEX entity_embedding IF EXISTS
