CREATE INDEX relation_id IF NOT EXISTS FOR ()-[r:RELATES]-() ON (r.id)
