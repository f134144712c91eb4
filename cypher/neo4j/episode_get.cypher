MATCH (e:Episode {id: $id})
RETURN e {.*} AS episode
