// Replaced by entity_scope_key (04), which includes the tenant: without this, two tenants could not both have an
// entity of the same name under the same user_id.
DROP CONSTRAINT entity_key IF EXISTS
