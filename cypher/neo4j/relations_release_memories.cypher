// After memories are deleted: drop them from relation provenance; a relation no memory supports any more
// stops being current (kept, expired), so history and as_of still see it.
MATCH ()-[r:RELATES]->()
WHERE r.expired_at IS NULL AND any(x IN r.memory_ids WHERE x IN $ids)
WITH r, [x IN r.memory_ids WHERE NOT x IN $ids] AS remaining
SET r.memory_ids = CASE WHEN size(remaining) > 0 THEN remaining ELSE r.memory_ids END,
    r.expired_at = CASE WHEN size(remaining) > 0 THEN null ELSE $now END
RETURN r.id AS id, size(remaining) = 0 AS expired
