// A fact said again in a new episode: link it, do not copy it.
UNWIND $rows AS row
MATCH (m:Memory {id: row.memory_id})
MATCH (e:Episode {id: row.episode_id})
MERGE (e)-[p:PRODUCED]->(m)
ON CREATE SET p.at = e.created_at
