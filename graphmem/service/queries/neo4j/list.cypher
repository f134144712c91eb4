MATCH (k:ApiKey)
RETURN k.id AS id, k.tenant AS tenant, k.admin AS admin, k.created_at AS created_at, k.revoked_at AS revoked_at
ORDER BY k.created_at, k.id
