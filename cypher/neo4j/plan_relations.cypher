UNWIND $rows AS row
MATCH (s:Entity {id: row.source_id})
MATCH (t:Entity {id: row.target_id})
MERGE (s)-[r:RELATES {id: row.id}]->(t)
ON CREATE SET r += row.props
