INSERT INTO api_keys (id, tenant, admin, salt, digest, created_at)
VALUES (:id, :tenant, :admin, :salt, :digest, :created_at)
