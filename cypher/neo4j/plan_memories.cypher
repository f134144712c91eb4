UNWIND $rows AS row
MERGE (m:Memory {id: row.id})
ON CREATE SET m += row.props
WITH m, row
UNWIND row.episode_ids AS episode_id
MATCH (e:Episode {id: episode_id})
MERGE (e)-[p:PRODUCED]->(m)
ON CREATE SET p.at = row.props.created_at
