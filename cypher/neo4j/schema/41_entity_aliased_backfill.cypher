// Backfill for databases written before entities with aliases carried :Aliased. Runs once per database: the
// marker node records that it did (a fresh database labels its entities as it writes them).
OPTIONAL MATCH (done:GraphmemMigration {name: 'entity_aliased'})
WITH done
WHERE done IS NULL
CALL () {
  MATCH (e:Entity)
  WHERE size(e.names) > 1 AND NOT e:Aliased
  SET e:Aliased
}
MERGE (:GraphmemMigration {name: 'entity_aliased'})
