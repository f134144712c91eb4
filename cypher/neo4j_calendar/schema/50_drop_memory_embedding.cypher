// Replaced by memory_embedding_by_scope (14) on the calendar line: drop the index of databases created before it.
DROP INDEX memory_embedding IF EXISTS
