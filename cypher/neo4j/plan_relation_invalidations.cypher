UNWIND $rows AS row
MATCH ()-[r:RELATES {id: row.id}]->()
WHERE r.expired_at IS NULL
SET r.invalid_at = coalesce(r.invalid_at, row.invalid_at), r.expired_at = row.expired_at
