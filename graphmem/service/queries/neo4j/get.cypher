MATCH (k:ApiKey {id: $id})
RETURN k.id AS id, k.tenant AS tenant, k.admin AS admin, k.salt AS salt, k.digest AS digest,
       k.created_at AS created_at, k.revoked_at AS revoked_at
