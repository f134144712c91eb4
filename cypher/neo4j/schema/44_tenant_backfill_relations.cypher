// The relations' half of 43_tenant_backfill_nodes: RELATES edges without a tenant are the library's own.
OPTIONAL MATCH (done:GraphmemMigration {name: 'tenant'})
WITH done
WHERE done IS NULL
CALL () {
  MATCH ()-[r:RELATES]->()
  WHERE r.tenant IS NULL
  RETURN r
}
CALL (r) {
  SET r.tenant = ''
} IN TRANSACTIONS OF 10000 ROWS
