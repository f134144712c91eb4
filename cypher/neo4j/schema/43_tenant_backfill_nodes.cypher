// Backfill for databases written before every record carried its tenant (the service's fence, issue 12): those
// records are the library's own, tenant ''. Batched, so a large store is not one transaction; idempotent (only
// nodes without a tenant are touched), and skipped once 45_tenant_backfill_done has marked the database (a fresh
// database writes the tenant on every record itself). The records are read in a subquery, run only for an
// unmarked database, so a marked one reads none.
OPTIONAL MATCH (done:GraphmemMigration {name: 'tenant'})
WITH done
WHERE done IS NULL
CALL () {
  MATCH (n)
  WHERE (n:Episode OR n:Memory OR n:Entity OR n:History OR n:WriteLock) AND n.tenant IS NULL
  RETURN n
}
CALL (n) {
  SET n.tenant = ''
} IN TRANSACTIONS OF 10000 ROWS
