// Replaced by entity_names_tenant (18), which also indexes the tenant: drop the index of databases created before.
DROP INDEX entity_names_scoped IF EXISTS
