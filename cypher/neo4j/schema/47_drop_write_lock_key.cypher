// Replaced by write_lock_scope_key (42), which includes the tenant.
DROP CONSTRAINT write_lock_key IF EXISTS
