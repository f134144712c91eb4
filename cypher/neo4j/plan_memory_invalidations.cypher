// A contradicted fact: timestamps say since when it is no longer true and believed; it is never deleted.
UNWIND $rows AS row
MATCH (m:Memory {id: row.id})
WHERE m.expired_at IS NULL
SET m.invalid_at = coalesce(m.invalid_at, row.invalid_at), m.expired_at = row.expired_at
