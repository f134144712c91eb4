// Replaced by memory_text_tenant (17), which also indexes the tenant: drop the index of databases created before.
DROP INDEX memory_text_scoped IF EXISTS
