SELECT id, tenant, admin, salt, digest, created_at, revoked_at FROM api_keys WHERE id = :id
