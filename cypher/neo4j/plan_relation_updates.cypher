// The same relation asserted again: more provenance, no second edge.
UNWIND $rows AS row
MATCH ()-[r:RELATES {id: row.id}]->()
SET r.memory_ids = r.memory_ids + [x IN row.memory_ids WHERE NOT x IN r.memory_ids],
    r.episode_ids = r.episode_ids + [x IN row.episode_ids WHERE NOT x IN r.episode_ids]
