SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL
