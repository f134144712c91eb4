MATCH (m:Episode)
WHERE {{in_scope m}}
DETACH DELETE m
