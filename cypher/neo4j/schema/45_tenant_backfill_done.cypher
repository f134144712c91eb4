// Marks the tenant backfill (43, 44) done, after both ran to the end: an interrupted one runs again next connect.
MERGE (:GraphmemMigration {name: 'tenant'})
