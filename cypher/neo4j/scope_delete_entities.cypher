// Deleting an entity deletes its relations with it.
MATCH (m:Entity)
WHERE {{in_scope m}}
DETACH DELETE m
