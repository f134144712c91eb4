UNWIND $ids AS id
MATCH (m:Memory {id: id})
DETACH DELETE m
