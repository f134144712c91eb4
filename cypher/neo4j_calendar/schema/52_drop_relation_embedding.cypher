// Replaced by relation_embedding_by_scope (16) on the calendar line: drop the index of databases created before it.
DROP INDEX relation_embedding IF EXISTS
