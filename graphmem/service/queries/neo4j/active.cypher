MATCH (k:ApiKey)
WHERE k.revoked_at IS NULL
RETURN count(k) AS n
