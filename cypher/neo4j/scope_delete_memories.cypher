MATCH (m:Memory)
WHERE {{in_scope m}}
WITH m, m.id AS id
DETACH DELETE m
RETURN count(id) AS deleted
