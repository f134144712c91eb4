MATCH (e:Episode {id: $id})
SET e.status = 'done', e.error = null
