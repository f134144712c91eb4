-- Schema of the embedded store (SQLite, WAL). Scope columns hold '' for "not set" so that uniqueness and
-- equality work without NULL special cases. Timestamps are ISO-8601 UTC strings, which sort chronologically.
-- ``tenant`` is the service's fence (issue 12): every scoped row has one ('' for the library's own), every scoped
-- read and write matches it exactly, and it leads every scope index and unique key.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS episodes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL, agent_id TEXT NOT NULL, run_id TEXT NOT NULL, tenant TEXT NOT NULL DEFAULT '',
    messages TEXT NOT NULL, source TEXT NOT NULL, metadata TEXT NOT NULL,
    created_at TEXT NOT NULL, status TEXT NOT NULL, error TEXT
);
CREATE INDEX IF NOT EXISTS episodes_scope ON episodes (tenant, user_id, agent_id, run_id);

-- fts_scope: the user as one full-text token ('u' + hex), so BM25 matches within a user's memories instead of
-- ranking every user's and filtering afterwards. Computed, never stored. The tenant is not in the token (a computed
-- column cannot change in place): full-text queries match it on the joined row, as every scoped query does.
CREATE TABLE IF NOT EXISTS memories (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL, hash TEXT NOT NULL,
    user_id TEXT NOT NULL, agent_id TEXT NOT NULL, run_id TEXT NOT NULL, tenant TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL, categories TEXT NOT NULL, actor_id TEXT, role TEXT,
    created_at TEXT NOT NULL, updated_at TEXT, valid_at TEXT, invalid_at TEXT, expired_at TEXT,
    embedding BLOB,
    fts_scope TEXT GENERATED ALWAYS AS ('u' || hex(user_id)) VIRTUAL
);
CREATE INDEX IF NOT EXISTS memories_scope ON memories (tenant, user_id, agent_id, run_id, created_at);
CREATE INDEX IF NOT EXISTS memories_hash ON memories (hash);
-- One current copy of a fact per exact scope: the store-level guard behind ``apply``'s settling of concurrent adds
-- (a memory leaves it when expired or invalidated). Stores from before it get it through ``_migrate_duplicates``.
CREATE UNIQUE INDEX IF NOT EXISTS memories_current_hash ON memories (tenant, user_id, agent_id, run_id, hash)
    WHERE expired_at IS NULL AND invalid_at IS NULL;

CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5 (
    text, fts_scope, content = 'memories', content_rowid = 'rid', tokenize = 'porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS memories_ai AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, text, fts_scope) VALUES (new.rid, new.text, new.fts_scope);
END;
CREATE TRIGGER IF NOT EXISTS memories_ad AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text, fts_scope) VALUES ('delete', old.rid, old.text, old.fts_scope);
END;
CREATE TRIGGER IF NOT EXISTS memories_au AFTER UPDATE OF text ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text, fts_scope) VALUES ('delete', old.rid, old.text, old.fts_scope);
    INSERT INTO memories_fts (rowid, text, fts_scope) VALUES (new.rid, new.text, new.fts_scope);
END;

CREATE TABLE IF NOT EXISTS memory_episodes (
    memory_id TEXT NOT NULL, episode_id TEXT NOT NULL, PRIMARY KEY (memory_id, episode_id)
);
CREATE INDEX IF NOT EXISTS memory_episodes_episode ON memory_episodes (episode_id);

CREATE TABLE IF NOT EXISTS entities (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL, normalized TEXT NOT NULL, type TEXT NOT NULL, summary TEXT NOT NULL,
    user_id TEXT NOT NULL, agent_id TEXT NOT NULL, run_id TEXT NOT NULL, tenant TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, embedding BLOB,
    UNIQUE (tenant, user_id, agent_id, run_id, normalized)
);

-- Every name an entity answers to, its own normalized name included: one lookup path for names and aliases.
CREATE TABLE IF NOT EXISTS entity_names (
    entity_id TEXT NOT NULL, alias TEXT NOT NULL, normalized TEXT NOT NULL,
    user_id TEXT NOT NULL, agent_id TEXT NOT NULL, run_id TEXT NOT NULL, tenant TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (entity_id, normalized)
);
CREATE INDEX IF NOT EXISTS entity_names_lookup ON entity_names (normalized, tenant, user_id, agent_id, run_id);
CREATE VIRTUAL TABLE IF NOT EXISTS entity_names_fts USING fts5 (
    alias, content = 'entity_names', tokenize = 'porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS entity_names_ai AFTER INSERT ON entity_names BEGIN
    INSERT INTO entity_names_fts (rowid, alias) VALUES (new.rowid, new.alias);
END;
CREATE TRIGGER IF NOT EXISTS entity_names_ad AFTER DELETE ON entity_names BEGIN
    INSERT INTO entity_names_fts (entity_names_fts, rowid, alias) VALUES ('delete', old.rowid, old.alias);
END;

-- A relation's vector is its own ``embedding`` (from its fact) or, with ``embedding`` NULL, the shared copy
-- ``vector_id`` names (``shared_vectors`` below). Comments stay out of column lists: SQLite's DROP COLUMN rewrites them.
CREATE TABLE IF NOT EXISTS relations (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source_id TEXT NOT NULL, target_id TEXT NOT NULL, type TEXT NOT NULL, fact TEXT NOT NULL,
    user_id TEXT NOT NULL, agent_id TEXT NOT NULL, run_id TEXT NOT NULL, tenant TEXT NOT NULL DEFAULT '',
    confidence REAL NOT NULL, created_at TEXT NOT NULL,
    valid_at TEXT, invalid_at TEXT, expired_at TEXT,
    memory_ids TEXT NOT NULL, episode_ids TEXT NOT NULL, actor_id TEXT,
    embedding BLOB, vector_id INTEGER
);
-- Vectors that many relations share, each stored once (issue 13): bulk-loaded triples are embedded by their type
-- phrase, so a knowledge graph's relations hold a handful of distinct vectors (MetaQA: 9 for 129,660 relations),
-- and a 1.5 KB copy per row was most of what a bulk load wrote. Content-addressed (the bytes are the key), so a
-- type's vector is one row whichever load or tenant wrote it; a row outlives its relations only until
-- ``delete_scope`` or ``reset`` drops the unreferenced ones.
CREATE TABLE IF NOT EXISTS shared_vectors (id INTEGER PRIMARY KEY, embedding BLOB NOT NULL UNIQUE);
-- An entity's edges in the walk's order (newest first, ties by id), so its newest few are read straight off the
-- index and the read stops there; (x_id, created_at) made SQLite sort every tie of a bulk-loaded hub (issue 13).
CREATE INDEX IF NOT EXISTS relations_from ON relations (source_id, created_at DESC, id);
CREATE INDEX IF NOT EXISTS relations_to ON relations (target_id, created_at DESC, id);
DROP INDEX IF EXISTS relations_source;
DROP INDEX IF EXISTS relations_target;
CREATE INDEX IF NOT EXISTS relations_key ON relations (source_id, type, target_id);

CREATE TABLE IF NOT EXISTS mentions (
    memory_id TEXT NOT NULL, entity_id TEXT NOT NULL, PRIMARY KEY (memory_id, entity_id)
);
CREATE INDEX IF NOT EXISTS mentions_entity ON mentions (entity_id);

CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    memory_id TEXT NOT NULL, event TEXT NOT NULL, old_memory TEXT, new_memory TEXT,
    actor_id TEXT, role TEXT, created_at TEXT NOT NULL,
    user_id TEXT NOT NULL, agent_id TEXT NOT NULL, run_id TEXT NOT NULL, tenant TEXT NOT NULL DEFAULT '',
    relations TEXT  -- JSON: what an UPDATE did to the graph (relations added, invalidated, unlinked)
);
CREATE INDEX IF NOT EXISTS history_memory ON history (memory_id, seq);
