CREATE (:ApiKey {id: $id, tenant: $tenant, admin: $admin, salt: $salt, digest: $digest, created_at: $created_at})
