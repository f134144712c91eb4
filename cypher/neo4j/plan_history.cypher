UNWIND $rows AS row
MERGE (h:History {id: row.id})
ON CREATE SET h += row
