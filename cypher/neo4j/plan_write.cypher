// One add's whole plan in one statement: one round trip, atomic in the caller's transaction. Each part is a unit
// subquery that runs once, in this order; an empty list skips its part. Vectors travel once each in $vectors and
// rows point at theirs by position (row.v, null for none), so relations that share their type-phrase vector do not
// repeat it. Everything MERGEs on a uniquely constrained id, so replaying a plan changes nothing.
CALL () {
  UNWIND $episodes AS row
  MERGE (e:Episode {id: row.id})
  ON CREATE SET e += row.props
}
CALL () {
  UNWIND $memories AS row
  MERGE (m:Memory {id: row.id})
  ON CREATE SET m += row.props, m.embedding = $vectors[row.v]
  WITH m, row
  UNWIND row.episode_ids AS episode_id
  MATCH (e:Episode {id: episode_id})
  MERGE (e)-[p:PRODUCED]->(m)
  ON CREATE SET p.at = row.props.created_at
}
CALL () {
  // A fact said again in a new episode: link it, do not copy it.
  UNWIND $links AS row
  MATCH (m:Memory {id: row.memory_id})
  MATCH (e:Episode {id: row.episode_id})
  MERGE (e)-[p:PRODUCED]->(m)
  ON CREATE SET p.at = e.created_at
}
CALL () {
  // :Aliased marks an entity that answers to a name besides its own (entity resolution seeks aliases through it).
  UNWIND $entities AS row
  MERGE (e:Entity {id: row.id})
  ON CREATE SET e += row.props, e.embedding = $vectors[row.v]
  WITH e
  WHERE size(e.names) > 1
  SET e:Aliased
}
CALL () {
  UNWIND $aliases AS row
  MATCH (e:Entity {id: row.id})
  WHERE NOT row.normalized IN e.names
  SET e.names = e.names + row.normalized,
      e.aliases = e.aliases + row.alias,
      e.aliases_text = trim(e.aliases_text + ' | ' + row.alias),
      e:Aliased
}
CALL () {
  UNWIND $relations AS row
  MATCH (s:Entity {id: row.source_id})
  MATCH (t:Entity {id: row.target_id})
  MERGE (s)-[r:RELATES {id: row.id}]->(t)
  ON CREATE SET r += row.props, r.embedding = $vectors[row.v]
}
CALL () {
  // The same relation asserted again: more provenance, no second edge.
  UNWIND $relation_updates AS row
  MATCH ()-[r:RELATES {id: row.id}]->()
  SET r.memory_ids = r.memory_ids + [x IN row.memory_ids WHERE NOT x IN r.memory_ids],
      r.episode_ids = r.episode_ids + [x IN row.episode_ids WHERE NOT x IN r.episode_ids]
}
CALL () {
  UNWIND $relation_invalidations AS row
  MATCH ()-[r:RELATES {id: row.id}]->()
  WHERE r.expired_at IS NULL
  SET r.invalid_at = coalesce(r.invalid_at, row.invalid_at), r.expired_at = row.expired_at
}
CALL () {
  // A contradicted fact: timestamps say since when it is no longer true and believed; it is never deleted.
  UNWIND $memory_invalidations AS row
  MATCH (m:Memory {id: row.id})
  WHERE m.expired_at IS NULL
  SET m.invalid_at = coalesce(m.invalid_at, row.invalid_at), m.expired_at = row.expired_at
}
CALL () {
  UNWIND $memory_updates AS row
  MATCH (m:Memory {id: row.id})
  SET m.text = row.text, m.hash = row.hash, m.metadata = row.metadata, m.updated_at = row.updated_at,
      m.embedding = row.embedding
  // The metadata as filters read it (stores/filter_cypher.py): last version's keys go, this version's come.
  FOREACH (k IN [k IN keys(m) WHERE k STARTS WITH 'meta.'] | REMOVE m[k])
  SET m += row.filtered
}
CALL () {
  // An updated memory no longer says these relations: it leaves their provenance (other memories support them).
  UNWIND $provenance_removals AS row
  MATCH ()-[r:RELATES {id: row.relation_id}]->()
  SET r.memory_ids = [x IN r.memory_ids WHERE x <> row.memory_id]
}
CALL () {
  // ... nor mentions these entities (the mentions its new text makes are written next).
  UNWIND $mention_removals AS row
  MATCH (:Memory {id: row.memory_id})-[x:MENTIONS]->(:Entity {id: row.entity_id})
  DELETE x
}
CALL () {
  UNWIND $mentions AS row
  MATCH (m:Memory {id: row.memory_id})
  MATCH (e:Entity {id: row.entity_id})
  MERGE (m)-[:MENTIONS]->(e)
}
CALL () {
  UNWIND $history AS row
  MERGE (h:History {id: row.id})
  ON CREATE SET h += row
}
MATCH (e:Episode {id: $episode_id})
SET e.status = 'done', e.error = null
