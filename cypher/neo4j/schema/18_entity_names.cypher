// Entity names and aliases plus the scope fields (see 17_memory_text).
CREATE FULLTEXT INDEX entity_names_scoped IF NOT EXISTS
FOR (e:Entity) ON EACH [e.name, e.aliases_text, e.user_id, e.agent_id, e.run_id]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}
