// Replaced by entity_names_scoped (18): drop the unscoped index of databases created before it.
DROP INDEX entity_names IF EXISTS
