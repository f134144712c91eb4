// Entity names and aliases plus the scope fields and the tenant (see 17_memory_text). Replaces entity_names_scoped,
// which 49_drop_entity_names_scoped drops.
CREATE FULLTEXT INDEX entity_names_tenant IF NOT EXISTS
FOR (e:Entity) ON EACH [e.name, e.aliases_text, e.user_id, e.agent_id, e.run_id, e.tenant]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}
