CREATE INDEX memory_hash IF NOT EXISTS FOR (m:Memory) ON (m.hash)
