"""One Cypher store, many dialects: ``store.CypherStore`` over Bolt, ``dialect.CypherDialect`` for what differs
between engines, ``files.QueryFiles`` for the query folders and their shared fragments, ``results`` for the rows
each query returns. ``stores/neo4j.py`` is the Neo4j dialect; ``docs/backends.md`` says how to add another."""
