// Memory text plus the scope fields, so a search can put its scope into the Lucene query itself
// (text:(...) AND user_id:"..."^0) instead of filtering every match of the whole index afterwards.
CREATE FULLTEXT INDEX memory_text_scoped IF NOT EXISTS FOR (m:Memory) ON EACH [m.text, m.user_id, m.agent_id, m.run_id]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}
