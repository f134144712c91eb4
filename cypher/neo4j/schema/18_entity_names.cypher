CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (e:Entity) ON EACH [e.name, e.aliases_text]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}
