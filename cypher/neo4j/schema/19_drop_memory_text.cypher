// Replaced by memory_text_scoped (17): drop the unscoped index of databases created before it.
DROP INDEX memory_text IF EXISTS
