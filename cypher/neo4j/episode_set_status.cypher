MATCH (e:Episode {id: $id})
SET e.status = $status, e.error = $error
