// Memory text plus the scope fields and the tenant, so a search can put its scope into the Lucene query itself
// (text:(...) AND user_id:"..."^0 AND tenant:"..."^0) instead of filtering every match of the whole index afterwards.
// Replaces memory_text_scoped (the same without the tenant), which 48_drop_memory_text_scoped drops.
CREATE FULLTEXT INDEX memory_text_tenant IF NOT EXISTS
FOR (m:Memory) ON EACH [m.text, m.user_id, m.agent_id, m.run_id, m.tenant]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}
