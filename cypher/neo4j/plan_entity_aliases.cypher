UNWIND $rows AS row
MATCH (e:Entity {id: row.id})
WHERE NOT row.normalized IN e.names
SET e.names = e.names + row.normalized,
    e.aliases = e.aliases + row.alias,
    e.aliases_text = trim(e.aliases_text + ' | ' + row.alias)
