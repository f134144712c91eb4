"""The embedded backend: one SQLite file (WAL) with FTS5 for BM25, plus in-memory vector indexes (exact per user,
IVF lists for a user past ``VectorIndex.exact_limit`` rows).

For one process, a notebook, a laptop. Safe under concurrent use from threads: each thread gets its own
connection, writes are serialized by a lock and ``BEGIN IMMEDIATE``, and every ``apply`` is one transaction.
Other processes may share the file; a write counter in ``meta`` tells this process when to reload its vector
indexes from disk (and to forget the edges the graph walk read, ``edge_cache.py``). The first load starts in a
background thread as the store opens (``_preload``), so the first search does not pay for it unless it comes before
the load is done (then it waits for it).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from graphmem.errors import StoreConflict, StoreError, StoreUnavailable
from graphmem.filters import Filter, finish
from graphmem.models import (
    EntityRecord,
    Episode,
    HistoryEvent,
    MemoryRecord,
    RelationRecord,
    Scope,
    normalize_name,
    utcnow,
)
from graphmem.stores.base import Edge, Hit, Invalidation, RelationUpdate, Vector, VectorKind, WritePlan, capped
from graphmem.stores.edge_cache import EdgeCache, Key, ends_at
from graphmem.stores.failures import Translator, translated
from graphmem.stores.filter_sql import memory_filter
from graphmem.stores.fulltext import quoted_or_query
from graphmem.stores.rows import (
    entity_from,
    entity_props,
    episode_from,
    episode_props,
    history_from,
    history_props,
    iso,
    iso_or_none,
    memory_from,
    memory_props,
    relation_from,
    relation_props,
    scope_of,
    scope_values,
)
from graphmem.stores.settle import settle
from graphmem.stores.vector_index import F32, VectorIndex, cosines, scan_top
from graphmem.stores.wal_checkpoint import FALLBACK_PAGES, Checkpointer

_CHUNK = 500  # SQLite's default limit on host parameters is 32766; keep IN lists modest
_VECTOR_CHUNK = 8_192  # rows of vectors read from a table at a time while the indexes load (``_table_search``)
_TABLE_SCAN_ROWS = 20_000  # the most rows of a scope read from a table instead of waiting for the index load
_SCOPE_COLUMNS = ("user_id", "agent_id", "run_id")
_VECTOR_TABLES: dict[VectorKind, str] = {"memory": "memories", "entity": "entities", "relation": "relations"}
_TENANT_TABLES = ("episodes", "memories", "entities", "entity_names", "relations", "history")  # the scoped ones
_ENTITIES_BEFORE_TENANT = "entities_before_tenant"  # a pre-fence entities table while it is copied
# Where the relations' vectors are read from: their own, or the shared copy they point to (in table order).
_RELATION_VECTORS = (
    "relations t LEFT JOIN shared_vectors v ON v.id = t.vector_id",
    "COALESCE(t.embedding, v.embedding)",
)


def _sqlite_failure(path: str) -> Translator:
    def translate(exc: Exception) -> StoreError | None:
        if not isinstance(exc, sqlite3.Error):
            return None
        text = f"the store {path}: {exc}"
        if isinstance(exc, sqlite3.IntegrityError):
            return StoreConflict(text)
        if isinstance(exc, sqlite3.OperationalError) and any(
            word in str(exc) for word in ("locked", "busy", "readonly", "unable to open", "disk I/O")
        ):
            return StoreUnavailable(text)
        return StoreError(text)

    return translate


class _Connection(sqlite3.Connection):
    """A connection whose statements raise ``StoreError`` subclasses (``stores/failures.py``), not sqlite3's."""

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._translate = _sqlite_failure(str(database))

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        with translated(self._translate):
            return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        with translated(self._translate):
            return super().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        with translated(self._translate):
            return super().executescript(sql_script)


def _dict_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, values, strict=True)}


def _scope_tuple(scope: Scope) -> tuple[str, str, str, str]:
    """The stored scope columns in ``_SCOPE_COLUMNS`` order, then the tenant."""
    values = scope_values(scope)
    return values["user_id"], values["agent_id"], values["run_id"], values["tenant"]


def _insert(conn: sqlite3.Connection, table: str, props: dict[str, Any]) -> int:
    """INSERT OR IGNORE of one row; column names come from rows.py, never from input."""
    columns = ", ".join(props)
    marks = ", ".join(f":{c}" for c in props)
    return conn.execute(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", props).rowcount


def _insert_many(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]], returning: bool = True) -> set[str]:
    """INSERT OR IGNORE of many rows in one ``executemany``; returns the ids it really inserted (rows whose id or
    unique key was already there are skipped). Tables with an integer ``rid`` key only when ``returning``: inside
    the write transaction new rows are exactly those above the largest ``rid`` seen before the insert."""
    if not rows:
        return set()
    columns = ", ".join(rows[0])
    marks = ", ".join(f":{c}" for c in rows[0])
    before = conn.execute(f"SELECT COALESCE(MAX(rid), 0) AS n FROM {table}").fetchone()["n"] if returning else 0
    conn.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", rows)
    if not returning:
        return set()
    return {r["id"] for r in conn.execute(f"SELECT id FROM {table} WHERE rid > ?", (before,))}


def _relation_row(r: RelationRecord, embedding: bytes | None, shared: dict[bytes, int]) -> dict[str, Any]:
    """A relation's row: its vector inline, or (one that ``shared`` holds) the id of the stored shared copy."""
    vector_id = None if embedding is None else shared.get(embedding)
    return {**relation_props(r), "source_id": r.source_id, "target_id": r.target_id,
            "embedding": embedding if vector_id is None else None, "vector_id": vector_id}  # fmt: skip


def _shared_vectors(conn: sqlite3.Connection, blobs: Sequence[bytes | None]) -> dict[bytes, int]:
    """{vector: shared_vectors id} for the relations' vectors stored once for many rows (issue 13): those two or
    more of them hold (a bulk load's type phrases; they are inserted here) and those already shared. Any other
    vector (a fact's own) stays inline: it would only add a row and a key lookup."""
    counts = Counter(b for b in blobs if b is not None)
    repeated = [b for b, n in counts.items() if n > 1]
    if repeated:
        conn.executemany("INSERT OR IGNORE INTO shared_vectors (embedding) VALUES (?)", [(b,) for b in repeated])
    out: dict[bytes, int] = {}
    for chunk in _chunks(list(counts)):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT id, embedding FROM shared_vectors WHERE embedding IN ({marks})", chunk)
        out.update((r["embedding"], r["id"]) for r in rows)
    return out


def _entity_scopes(conn: sqlite3.Connection, entity_ids: Sequence[str]) -> dict[str, Scope]:
    out: dict[str, Scope] = {}
    for chunk in _chunks(list(dict.fromkeys(entity_ids))):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT id, user_id, agent_id, run_id, tenant FROM entities WHERE id IN ({marks})", chunk)
        out.update((r["id"], scope_of(r)) for r in rows)
    return out


def _add_provenance(conn: sqlite3.Connection, updates: Sequence[RelationUpdate]) -> None:
    """Existing relations asserted again: their memory and episode lists grow (read in bulk, written in one batch)."""
    merged: dict[str, tuple[list[str], list[str]]] = {}
    ids = list(dict.fromkeys(u.relation_id for u in updates))
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT id, memory_ids, episode_ids FROM relations WHERE id IN ({marks})", chunk)
        merged.update((r["id"], (json.loads(r["memory_ids"]), json.loads(r["episode_ids"]))) for r in rows)
    for u in updates:
        if u.relation_id in merged:
            memory_ids, episode_ids = merged[u.relation_id]
            merged[u.relation_id] = (_merge(memory_ids, u.memory_ids), _merge(episode_ids, u.episode_ids))
    conn.executemany(
        "UPDATE relations SET memory_ids = ?, episode_ids = ? WHERE id = ?",
        [(json.dumps(m), json.dumps(e), i) for i, (m, e) in merged.items()],
    )


def _remove_provenance(conn: sqlite3.Connection, removals: Sequence[tuple[str, str]]) -> None:
    """Memories that no longer say a relation leave its provenance (the relation itself stays as it is)."""
    gone: dict[str, set[str]] = {}
    for relation_id, memory_id in removals:
        gone.setdefault(relation_id, set()).add(memory_id)
    rows: list[tuple[str, str]] = []
    for chunk in _chunks(list(gone)):
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(f"SELECT id, memory_ids FROM relations WHERE id IN ({marks})", chunk):
            rows.append((json.dumps([m for m in json.loads(r["memory_ids"]) if m not in gone[r["id"]]]), r["id"]))
    conn.executemany("UPDATE relations SET memory_ids = ? WHERE id = ?", rows)


def _blob_once() -> Callable[[Sequence[float] | None], bytes | None]:
    """``_blob`` that converts each distinct vector object once (relations of one type share their vector)."""
    seen: dict[int, tuple[Sequence[float], bytes | None]] = {}

    def convert(vector: Sequence[float] | None) -> bytes | None:
        if vector is None:
            return None
        hit = seen.get(id(vector))
        if hit is None:
            hit = seen[id(vector)] = (vector, _blob(vector))  # holding the vector keeps its id unique meanwhile
        return hit[1]

    return convert


def _read_scope(scope: Scope, alias: str = "") -> tuple[str, list[str]]:
    """SQL for a read scope: given ids must match, absent ones are free; the tenant always matches exactly (the
    fence: no read reaches another tenant's rows, whatever ids it names). Column names are fixed here."""
    prefix = f"{alias}." if alias else ""
    clauses, params = [f"{prefix}tenant = ?"], [scope.tenant]
    for column, value in zip(_SCOPE_COLUMNS, scope.key(), strict=True):
        if value is not None:
            clauses.append(f"{prefix}{column} = ?")
            params.append(value)
    return " AND ".join(clauses), params


def _exact_scope(scope: Scope, alias: str = "") -> tuple[str, list[str]]:
    """SQL for exactly one scope (unset ids are ''), its tenant included: the keys writes deduplicate on."""
    prefix = f"{alias}." if alias else ""
    return " AND ".join(f"{prefix}{c} = ?" for c in (*_SCOPE_COLUMNS, "tenant")), list(_scope_tuple(scope))


def _believed(as_of: datetime | None, alias: str = "") -> tuple[str, list[str]]:
    """Temporal clause: current (not expired, not invalidated) or, with ``as_of``, believed true at that time."""
    p = f"{alias}." if alias else ""
    if as_of is None:
        return f"{p}expired_at IS NULL AND ({p}invalid_at IS NULL OR {p}invalid_at > ?)", [iso(utcnow())]
    t = iso(as_of)
    return (
        f"{p}created_at <= ? AND ({p}expired_at IS NULL OR {p}expired_at > ?)"
        f" AND ({p}valid_at IS NULL OR {p}valid_at <= ?) AND ({p}invalid_at IS NULL OR {p}invalid_at > ?)",
        [t, t, t, t],
    )


# What a RelationRecord is built from: every column but the embedding (1.5 KB a row that reads never need).
_RELATION_COLUMNS = ", ".join(
    f"r.{c}"
    for c in (
        "id", "source_id", "target_id", "type", "fact", "user_id", "agent_id", "run_id", "tenant", "confidence",
        "created_at", "valid_at", "invalid_at", "expired_at", "memory_ids", "episode_ids", "actor_id",
    )
)  # fmt: skip


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a store written by an older graphmem to the current schema before the schema script runs.

    Stores from before the scoped full-text column get it (a computed column, so nothing is rewritten); their
    full-text index is dropped here, re-created by the schema script and rebuilt by ``_finish_migration``. The
    pending rebuild is recorded in ``meta`` in the same transaction, so an interrupted open finishes it next time.
    """
    columns = {r["name"] for r in conn.execute("PRAGMA table_xinfo(memories)")}
    if not columns or "fts_scope" in columns:
        return
    with _schema_tx(conn):
        conn.execute("ALTER TABLE memories ADD COLUMN fts_scope TEXT GENERATED ALWAYS AS ('u' || hex(user_id)) VIRTUAL")
        for trigger in ("memories_ai", "memories_ad", "memories_au"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.execute("DROP TABLE IF EXISTS memories_fts")
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('fts_rebuild', '1')")


def _migrate_history(conn: sqlite3.Connection) -> None:
    """Stores from before ``update`` recorded its graph changes get the history column that holds them."""
    columns = {r["name"] for r in conn.execute("PRAGMA table_info(history)")}
    if columns and "relations" not in columns:
        with _schema_tx(conn):
            conn.execute("ALTER TABLE history ADD COLUMN relations TEXT")


def _migrate_duplicates(conn: sqlite3.Connection) -> None:
    """Stores from before the unique index on current facts may hold copies of one fact that concurrent adds wrote
    (the same scope and hash, all current): the oldest stays, the later copies are expired (kept, so history and
    ``as_of`` still see them), so that the index can be built."""
    tables = {r["name"] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
    if "memories" not in tables or "memories_current_hash" in tables:
        return
    with _schema_tx(conn):
        conn.execute(
            "UPDATE memories SET expired_at = ? WHERE expired_at IS NULL AND invalid_at IS NULL AND rid NOT IN"
            " (SELECT MIN(rid) FROM memories WHERE expired_at IS NULL AND invalid_at IS NULL"
            " GROUP BY tenant, user_id, agent_id, run_id, hash)",
            (iso(utcnow()),),
        )


def _migrate_tenant(conn: sqlite3.Connection) -> None:
    """Stores from before the tenant fence (issue 12): every scoped table gets the ``tenant`` column, its rows the
    library's own tenant ''. The scope indexes are dropped for the schema script to re-create with the tenant in
    front; the entities table, whose unique key is a table constraint SQLite cannot alter, is set aside here and
    copied into the re-created table by ``_finish_migration`` (an interrupted open finishes it next time)."""
    tables = {r["name"] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    pending = [t for t in _TENANT_TABLES if t in tables and "tenant" not in _columns(conn, t)]
    if not pending:
        return
    with _schema_tx(conn):
        for table in pending:
            if table == "entities":
                conn.execute(f"ALTER TABLE entities RENAME TO {_ENTITIES_BEFORE_TENANT}")
            else:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN tenant TEXT NOT NULL DEFAULT ''")
        for index in ("episodes_scope", "memories_scope", "memories_current_hash", "entity_names_lookup"):
            conn.execute(f"DROP INDEX IF EXISTS {index}")


def _migrate_shared_vectors(conn: sqlite3.Connection) -> None:
    """Stores from before shared relation vectors (issue 13) get the ``vector_id`` column; ``_finish_migration``
    then moves the vectors several relations hold into ``shared_vectors`` (pending in ``meta`` meanwhile, so an
    interrupted open finishes it next time)."""
    columns = _columns(conn, "relations")
    if columns and "vector_id" not in columns:
        with _schema_tx(conn):
            conn.execute("ALTER TABLE relations ADD COLUMN vector_id INTEGER")
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('share_vectors', '1')")


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r["name"] for r in conn.execute(f"PRAGMA table_info({table})")}


def _finish_migration(conn: sqlite3.Connection) -> None:
    aside = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_ENTITIES_BEFORE_TENANT,))
    if aside.fetchone() is not None:
        columns = "rid, id, name, normalized, type, summary, user_id, agent_id, run_id, created_at, embedding"
        with _schema_tx(conn):
            conn.execute(f"INSERT INTO entities ({columns}) SELECT {columns} FROM {_ENTITIES_BEFORE_TENANT}")
            conn.execute(f"DROP TABLE {_ENTITIES_BEFORE_TENANT}")
    if conn.execute("SELECT 1 FROM meta WHERE key = 'share_vectors'").fetchone() is not None:
        with _schema_tx(conn):  # every vector two or more relations hold, stored once (as ``apply`` now writes)
            conn.execute(
                "INSERT OR IGNORE INTO shared_vectors (embedding) SELECT embedding FROM relations"
                " WHERE embedding IS NOT NULL GROUP BY embedding HAVING count(*) > 1"
            )
            conn.execute(
                "UPDATE relations SET vector_id = s.id, embedding = NULL FROM shared_vectors s"
                " WHERE s.embedding = relations.embedding"
            )
            conn.execute("DELETE FROM meta WHERE key = 'share_vectors'")
    if conn.execute("SELECT 1 FROM meta WHERE key = 'fts_rebuild'").fetchone() is None:
        return
    with _schema_tx(conn):
        conn.execute("INSERT INTO memories_fts (memories_fts) VALUES ('rebuild')")
        conn.execute("DELETE FROM meta WHERE key = 'fts_rebuild'")


def _write_count(conn: sqlite3.Connection) -> int:
    """The store's write counter (``meta.seq``): every write transaction, of any process, adds one. What this
    process keeps in memory (vector indexes, the edge cache) is as of one count and is reloaded when it moves."""
    return int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()["value"])


@contextmanager
def _schema_tx(conn: sqlite3.Connection) -> Iterator[None]:
    """A migration step: all of it or nothing (the store's own ``_tx`` also counts writes; this one need not)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# The memory BM25 lane joins at most this many candidates per result asked for (see ``_memory_text_bounded``).
_BM25_CANDIDATES = 4


def _fts_scope(scope: Scope) -> str | None:
    """The full-text token of the scope's user (as the ``fts_scope`` column computes it), or None without one."""
    return None if scope.user_id is None else "u" + scope.user_id.encode("utf-8").hex().upper()


def _vector_source(kind: VectorKind) -> tuple[str, str]:
    """The FROM clause (the kind's rows aliased ``t``) and the expression its vectors are read with."""
    return _RELATION_VECTORS if kind == "relation" else (f"{_VECTOR_TABLES[kind]} t", "t.embedding")


def _blob(vector: Sequence[float] | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype=np.float32).tobytes()


class EmbeddedStore:
    def __init__(self, path: Path | str, dim: int, *, create: bool = True, busy_timeout: float = 30.0) -> None:
        """Open the store at ``path``, creating it (and its folders) unless ``create`` is false: readers pass
        false so that a mistyped path is an error naming it, not a new empty store that answers nothing. A write
        waits up to ``busy_timeout`` seconds for another process's write to end, then raises ``StoreUnavailable``."""
        self.path = Path(path)
        self.dim = dim
        self.busy_timeout = busy_timeout
        if not create and not self.path.is_file():
            raise StoreError(f"the store {self.path} does not exist (nothing was ever added there; check the path)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store folder {self.path.parent}: {exc}") from None
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._conn_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._indexes: dict[VectorKind, VectorIndex] = {kind: VectorIndex(dim) for kind in _VECTOR_TABLES}
        self._index_seq: int | None = None
        self._edge_cache = EdgeCache()
        schema = resources.files("graphmem.stores").joinpath("schema_embedded.sql").read_text(encoding="utf-8")
        try:
            with self._write_lock:
                conn = self._conn()
                _migrate(conn)
                _migrate_history(conn)
                _migrate_tenant(conn)
                _migrate_duplicates(conn)
                _migrate_shared_vectors(conn)
                conn.executescript(schema)
                _finish_migration(conn)
                row = conn.execute("SELECT value FROM meta WHERE key = 'dim'").fetchone()
                if row is None:
                    conn.execute("INSERT INTO meta (key, value) VALUES ('dim', ?), ('seq', '0')", (str(dim),))
                elif int(row["value"]) != dim:
                    raise StoreError(
                        f"{self.path} holds {row['value']}-dimensional embeddings but the embedder makes {dim}; "
                        "use the embedder the store was built with, or another store path"
                    )
        except StoreError as exc:
            if not isinstance(exc.__cause__, sqlite3.Error):
                raise
            raise type(exc)(f"cannot open the store {self.path}: {exc.__cause__}") from None
        self._checkpointer = Checkpointer(self._checkpoint_conn, self.path.name)
        self._closing = threading.Event()
        self._loader_conn: sqlite3.Connection | None = None
        self._loader = threading.Thread(target=self._preload, name=f"graphmem-index-load:{self.path.name}", daemon=True)
        self._loader.start()

    # -- connections and transactions -------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with translated(_sqlite_failure(str(self.path))):
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                       check_same_thread=False, factory=_Connection)  # fmt: skip
            conn.row_factory = _dict_row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            conn.execute(f"PRAGMA wal_autocheckpoint = {FALLBACK_PAGES}")  # the checkpointer thread copies the log
            self._local.conn = conn
            with self._conn_lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _tx(self) -> Iterator[tuple[sqlite3.Connection, list[Callable[[], None]]]]:
        """One write transaction; index updates queued in the list run only after a successful commit."""
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            after: list[Callable[[], None]] = []
            try:
                seq = _write_count(conn)
                yield conn, after
                conn.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (str(seq + 1),))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._checkpointer.wrote()
            if self._index_seq == seq:
                for update in after:
                    update()
                self._index_seq = seq + 1

    def _sync_indexes(self) -> None:
        """Reload the vector indexes when another connection or process wrote since they were loaded."""
        conn = self._conn()
        seq = _write_count(conn)
        if seq == self._index_seq:
            return
        with self._write_lock:
            seq = _write_count(conn)
            if seq == self._index_seq:
                return
            now = iso(utcnow())
            for kind in _VECTOR_TABLES:
                current = (
                    "1" if kind == "entity" else "(t.expired_at IS NULL AND (t.invalid_at IS NULL OR t.invalid_at > ?))"
                )
                params = [] if kind == "entity" else [now]
                source, vector = _vector_source(kind)
                rows = conn.execute(
                    f"SELECT t.id, {vector}, t.tenant, t.user_id, t.agent_id, t.run_id, {current} FROM {source}"
                    f" WHERE {vector} IS NOT NULL",
                    params,
                )
                rows.row_factory = None  # plain tuples, in the order ``load`` takes: no dict or scope per row
                self._indexes[kind].load(rows)
            self._index_seq = seq

    def _preload(self) -> None:
        """Load the vector indexes (and train big partitions' IVF lists) in the background as the store opens, so
        the first search finds them ready instead of paying for them (issue 13). A search or write that comes
        first waits on the write lock this holds; if loading fails, the next search loads them itself. ``close``
        interrupts it, so a short-lived process (a CLI ``get``) never waits for a big store's load."""
        try:
            self._loader_conn = self._conn()
            if not self._closing.is_set():
                self._sync_indexes()
        except Exception:  # closed, interrupted or broken: the first search loads them again and reports it
            return

    def _checkpoint_conn(self) -> sqlite3.Connection:
        """The background checkpointer's own connection (``wal_checkpoint.py``)."""
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        return conn

    def close(self) -> None:
        self._closing.set()
        self._checkpointer.close()
        if self._loader.is_alive() and self._loader_conn is not None:
            self._loader_conn.interrupt()  # stop its read; it keeps no half-loaded index
        self._loader.join()  # never close a connection the loader is reading from
        with self._conn_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    # -- episodes -------------------------------------------------------------------------------------------------
    def write_episode(self, episode: Episode) -> None:
        with self._tx() as (conn, _):
            _insert(conn, "episodes", episode_props(episode))

    def set_episode_status(self, episode_id: str, status: str, error: str | None = None) -> None:
        with self._tx() as (conn, _):
            conn.execute("UPDATE episodes SET status = ?, error = ? WHERE id = ?", (status, error, episode_id))

    def get_episode(self, episode_id: str) -> Episode | None:
        row = self._conn().execute("SELECT * FROM episodes WHERE id = ?", (episode_id,)).fetchone()
        return None if row is None else episode_from(row)

    def list_episodes(self, scope: Scope) -> list[Episode]:
        where, params = _read_scope(scope)
        rows = self._conn().execute(f"SELECT * FROM episodes WHERE {where} ORDER BY created_at, id", params)
        return [episode_from(r) for r in rows]

    # -- the add transaction ---------------------------------------------------------------------------------------
    def apply(self, plan: WritePlan) -> dict[str, str]:
        """The whole plan in one transaction, one batched statement per table (``executemany``).

        Inside the write lock the plan is first settled against what other writers (threads or processes)
        committed since it was decided (``settle``): returns {plan id: stored id} for what it remapped. Rows already
        present are left alone (``INSERT OR IGNORE``), so replaying a plan changes nothing; only rows this
        transaction really inserted go to the vector indexes, after the commit.
        """
        blob = _blob_once()
        with self._tx() as (conn, after):
            plan, remap = settle(
                plan,
                lambda scope, keys: {k: e.id for k, e in self.find_entities(scope, keys).items()},
                lambda scope, hashes: {h: m.id for h, m in self.find_memories_by_hash(scope, hashes).items()},
                self.find_relations,
            )
            if plan.episode is not None:
                _insert(conn, "episodes", episode_props(plan.episode))
            if plan.memories:
                rows = [{**memory_props(m), "embedding": blob(m.embedding)} for m in plan.memories]
                self._index_later(after, "memory", plan.memories, _insert_many(conn, "memories", rows, self._indexed))
            links = [(m.id, e) for m in plan.memories for e in m.episode_ids] + list(plan.memory_episode_links)
            if links:
                conn.executemany("INSERT OR IGNORE INTO memory_episodes VALUES (?, ?)", links)
            if plan.entities:
                rows = [{**entity_props(e), "embedding": blob(e.embedding)} for e in plan.entities]
                self._index_later(after, "entity", plan.entities, _insert_many(conn, "entities", rows, self._indexed))
            names = [(e.id, alias, e.scope) for e in plan.entities for alias in [e.name, *e.aliases]]
            if plan.entity_aliases:
                scopes = _entity_scopes(conn, [entity_id for entity_id, _ in plan.entity_aliases])
                names += [(i, alias, scopes[i]) for i, alias in plan.entity_aliases if i in scopes]
            if names:
                conn.executemany(
                    "INSERT OR IGNORE INTO entity_names"
                    " (entity_id, alias, normalized, user_id, agent_id, run_id, tenant) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(i, alias, normalize_name(alias), *_scope_tuple(scope)) for i, alias, scope in names],
                )
            if plan.relations:
                blobs = [blob(r.embedding) for r in plan.relations]
                shared = _shared_vectors(conn, blobs)
                rows = [_relation_row(r, b, shared) for r, b in zip(plan.relations, blobs, strict=True)]
                inserted = _insert_many(conn, "relations", rows, self._indexed)
                self._index_later(after, "relation", plan.relations, inserted)
            if plan.relation_updates:
                _add_provenance(conn, plan.relation_updates)
            targets: tuple[tuple[VectorKind, list[Invalidation]], ...] = (
                ("relation", plan.relation_invalidations),
                ("memory", plan.memory_invalidations),
            )
            for kind, invalidations in targets:
                if not invalidations:
                    continue
                conn.executemany(
                    f"UPDATE {_VECTOR_TABLES[kind]} SET invalid_at = COALESCE(invalid_at, ?), expired_at = ?"
                    " WHERE id = ? AND expired_at IS NULL",
                    [(iso_or_none(inv.invalid_at), iso(inv.expired_at), inv.id) for inv in invalidations],
                )
                after.extend(_current_later(self._indexes[kind], inv.id, False) for inv in invalidations)
            for m in plan.memory_updates:
                self._update_memory_row(conn, after, m)
            if plan.provenance_removals:
                _remove_provenance(conn, plan.provenance_removals)
            if plan.mention_removals:
                conn.executemany("DELETE FROM mentions WHERE memory_id = ? AND entity_id = ?", plan.mention_removals)
            if plan.mentions:
                conn.executemany("INSERT OR IGNORE INTO mentions VALUES (?, ?)", plan.mentions)
            if plan.history:
                _insert_many(conn, "history", [history_props(h) for h in plan.history], returning=False)
            conn.execute("UPDATE episodes SET status = 'done', error = NULL WHERE id = ?", (plan.episode_id,))
        return remap

    @property
    def _indexed(self) -> bool:
        """Whether this process holds loaded vector indexes to keep up to date; until the first search loads them
        from the tables, a write has nothing to update (so a bulk load skips that work)."""
        return self._index_seq is not None

    def _index_later(
        self,
        after: list[Callable[[], None]],
        kind: VectorKind,
        records: Sequence[MemoryRecord | EntityRecord | RelationRecord],
        inserted: set[str],
    ) -> None:
        """Queue the vector-index upserts of the records this transaction inserted (run after the commit)."""
        if not self._indexed:
            return
        rows = [r for r in records if r.id in inserted and r.embedding is not None]
        if rows:
            after.append(_upsert_all_later(self._indexes[kind], rows))

    @staticmethod
    def _insert_history(conn: sqlite3.Connection, h: HistoryEvent) -> None:
        _insert(conn, "history", history_props(h))

    # -- memories --------------------------------------------------------------------------------------------------
    def get_memory(self, memory_id: str) -> MemoryRecord | None:
        found = self.get_memories([memory_id])
        return found[0] if found else None

    def get_memories(self, ids: Sequence[str], with_embeddings: bool = False) -> list[MemoryRecord]:
        conn = self._conn()
        by_id: dict[str, MemoryRecord] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT * FROM memories WHERE id IN ({marks})", chunk).fetchall()
            links = self._episode_links(conn, chunk)
            for row in rows:
                by_id[row["id"]] = _memory(row, links.get(row["id"], []), with_embeddings)
        return [by_id[i] for i in ids if i in by_id]

    @staticmethod
    def _episode_links(conn: sqlite3.Connection, memory_ids: Sequence[str]) -> dict[str, list[str]]:
        marks = ",".join("?" * len(memory_ids))
        links: dict[str, list[str]] = {}
        rows = conn.execute(
            f"SELECT memory_id, episode_id FROM memory_episodes WHERE memory_id IN ({marks}) ORDER BY rowid",
            list(memory_ids),
        )
        for row in rows:
            links.setdefault(row["memory_id"], []).append(row["episode_id"])
        return links

    def list_memories(
        self,
        scope: Scope,
        include_expired: bool = False,
        filters: Filter | None = None,
        limit: int | None = None,
    ) -> Iterator[MemoryRecord]:
        where, params = _read_scope(scope)
        if not include_expired:
            when, extra = _believed(None)
            where, params = f"{where} AND {when}", params + extra
        bounds = None if filters is None else memory_filter(filters)
        if bounds is not None:  # the wider bound: exactly the filter's rows when the translation is exact
            where, params = f"{where} AND {bounds.wider.text}", [*params, *bounds.wider.params]
        args: list[Any] = list(params)
        sql = f"SELECT * FROM memories WHERE {where} ORDER BY created_at, id"
        if limit is not None and (bounds is None or bounds.exact):
            sql, args = f"{sql} LIMIT ?", [*args, limit]
        conn = self._conn()
        cursor = conn.execute(sql, args)
        # A candidate of the superset that the reference matcher rejects is dropped (only when the SQL is wider).
        return finish(self._memory_rows(conn, cursor), None if bounds is None or bounds.exact else filters, limit)

    def _memory_rows(self, conn: sqlite3.Connection, cursor: sqlite3.Cursor) -> Iterator[MemoryRecord]:
        """Records of a memories query, read a chunk at a time (episode links fetched per chunk)."""
        while chunk := cursor.fetchmany(_CHUNK):
            links = self._episode_links(conn, [r["id"] for r in chunk])
            yield from (_memory(row, links.get(row["id"], []), False) for row in chunk)

    def find_memories_by_hash(self, scope: Scope, hashes: Sequence[str]) -> dict[str, MemoryRecord]:
        if not hashes:
            return {}
        where, params = _exact_scope(scope)
        when, extra = _believed(None)
        marks = ",".join("?" * len(hashes))
        rows = self._conn().execute(
            f"SELECT id, hash FROM memories WHERE hash IN ({marks}) AND {where} AND {when}",
            [*hashes, *params, *extra],
        )
        ids = {r["hash"]: r["id"] for r in rows}
        records = {m.id: m for m in self.get_memories(list(ids.values()))}
        return {h: records[i] for h, i in ids.items() if i in records}

    def _update_memory_row(
        self, conn: sqlite3.Connection, after: list[Callable[[], None]], record: MemoryRecord
    ) -> None:
        conn.execute(
            "UPDATE memories SET text = ?, hash = ?, metadata = ?, updated_at = ?, embedding = ? WHERE id = ?",
            (record.text, record.hash, json.dumps(record.metadata, default=str), iso_or_none(record.updated_at),
             _blob(record.embedding), record.id),
        )  # fmt: skip
        if record.embedding is not None:
            after.append(_upsert_later(self._indexes["memory"], record.id, record.embedding, record.scope))

    def delete_memories(self, ids: Sequence[str], events: Sequence[HistoryEvent]) -> None:
        """Delete memories; relations that no remaining memory supports stop being current (kept, expired)."""
        gone = set(ids)
        now = iso(utcnow())
        with self._tx() as (conn, after):
            self._delete_memory_rows(conn, after, ids)
            for chunk in _chunks(list(ids)):
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    "SELECT DISTINCT r.id, r.memory_ids FROM relations r, json_each(r.memory_ids) j"
                    f" WHERE j.value IN ({marks}) AND r.expired_at IS NULL",
                    chunk,
                ).fetchall()
                for row in rows:
                    remaining = [m for m in json.loads(row["memory_ids"]) if m not in gone]
                    if remaining:
                        conn.execute(
                            "UPDATE relations SET memory_ids = ? WHERE id = ?", (json.dumps(remaining), row["id"])
                        )
                    else:
                        conn.execute("UPDATE relations SET expired_at = ? WHERE id = ?", (now, row["id"]))
                        after.append(_current_later(self._indexes["relation"], row["id"], False))
            for h in events:
                self._insert_history(conn, h)

    def _delete_memory_rows(
        self, conn: sqlite3.Connection, after: list[Callable[[], None]], ids: Sequence[str]
    ) -> None:
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            for table in ("memories WHERE id", "memory_episodes WHERE memory_id", "mentions WHERE memory_id"):
                conn.execute(f"DELETE FROM {table} IN ({marks})", chunk)
        index = self._indexes["memory"]
        after.extend(_remove_later(index, i) for i in ids)

    def delete_scope(self, scope: Scope, events: Sequence[HistoryEvent] = ()) -> int:
        where, params = _read_scope(scope)
        with self._tx() as (conn, after):
            if events:
                _insert_many(conn, "history", [history_props(h) for h in events], returning=False)
            memory_ids = [r["id"] for r in conn.execute(f"SELECT id FROM memories WHERE {where}", params)]
            self._delete_memory_rows(conn, after, memory_ids)
            for kind, table in (("entity", "entities"), ("relation", "relations")):
                gone = [r["id"] for r in conn.execute(f"SELECT id FROM {table} WHERE {where}", params)]
                conn.execute(f"DELETE FROM {table} WHERE {where}", params)
                after.extend(_remove_later(self._indexes[kind], i) for i in gone)  # type: ignore[index]
            conn.execute(
                "DELETE FROM shared_vectors"
                " WHERE id NOT IN (SELECT vector_id FROM relations WHERE vector_id IS NOT NULL)"
            )
            conn.execute(f"DELETE FROM entity_names WHERE {where}", params)
            conn.execute(f"DELETE FROM episodes WHERE {where}", params)
        return len(memory_ids)

    def reset(self) -> None:
        with self._tx() as (conn, after):
            for table in (
                "memories",
                "memory_episodes",
                "entities",
                "entity_names",
                "relations",
                "shared_vectors",
                "mentions",
                "history",
                "episodes",
            ):
                conn.execute(f"DELETE FROM {table}")
            after.extend(index.reset for index in self._indexes.values())

    def history(self, memory_id: str) -> list[HistoryEvent]:
        rows = self._conn().execute("SELECT * FROM history WHERE memory_id = ? ORDER BY seq", (memory_id,))
        return [history_from(r) for r in rows]

    def mentions(self, memory_ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for chunk in _chunks(list(memory_ids)):
            marks = ",".join("?" * len(chunk))
            for r in self._conn().execute(f"SELECT * FROM mentions WHERE memory_id IN ({marks})", chunk):
                out.setdefault(r["memory_id"], []).append(r["entity_id"])
        return out

    def memories_mentioning(self, scope: Scope, entity_ids: Sequence[str], limit: int) -> list[tuple[str, str]]:
        where, params = _read_scope(scope, "m")
        when, extra = _believed(None, "m")
        out: list[tuple[str, str]] = []
        for chunk in _chunks(list(entity_ids)):
            marks = ",".join("?" * len(chunk))
            rows = self._conn().execute(
                # CROSS JOIN keeps mentions as the outer loop: a few seeds' mentions, not every memory in scope.
                f"SELECT x.memory_id, x.entity_id FROM mentions x CROSS JOIN memories m ON m.id = x.memory_id"
                f" WHERE x.entity_id IN ({marks}) AND {where} AND {when} ORDER BY m.created_at DESC, m.id LIMIT ?",
                [*chunk, *params, *extra, limit],
            )
            out.extend((r["memory_id"], r["entity_id"]) for r in rows)
        return out[:limit]

    # -- search lanes ----------------------------------------------------------------------------------------------
    def vector_search(
        self, kind: VectorKind, scope: Scope, vector: Vector, k: int, as_of: datetime | None = None
    ) -> list[Hit]:
        if self._loading() and self._scannable(kind, scope):
            return self._table_search(kind, scope, [vector], k, as_of)[0]
        self._sync_indexes()
        if as_of is None or kind == "entity":
            return self._indexes[kind].search(vector, scope, k, current_only=kind != "entity")
        # Believed-at-a-time: search every row, then keep those the temporal clause accepts.
        hits = self._indexes[kind].search(vector, scope, max(k * 4, 50), current_only=False)
        table = _VECTOR_TABLES[kind]
        when, params = _believed(as_of)
        ids = [h[0] for h in hits]
        marks = ",".join("?" * len(ids)) or "''"
        ok = {
            r["id"]
            for r in self._conn().execute(f"SELECT id FROM {table} WHERE id IN ({marks}) AND {when}", [*ids, *params])
        }
        return [h for h in hits if h[0] in ok][:k]

    def vector_search_many(
        self, kind: Literal["memory", "entity"], scope: Scope, vectors: Sequence[Vector], k: int
    ) -> list[list[Hit]]:
        if self._loading() and self._scannable(kind, scope):
            return self._table_search(kind, scope, vectors, k, None)
        self._sync_indexes()
        return self._indexes[kind].search_many(vectors, scope, k, current_only=kind != "entity")

    def _loading(self) -> bool:
        """Whether the first load of the vector indexes (``_preload``) is still running: reads then answer from the
        tables (``_table_search``, ``_table_scores``) instead of waiting for the whole store's load."""
        return self._index_seq is None and self._loader.is_alive()

    def _scannable(self, kind: VectorKind, scope: Scope) -> bool:
        """Whether the scope's rows are few enough (``_TABLE_SCAN_ROWS``) to answer from the tables while the
        indexes load; a larger scope (a 130k-entity knowledge graph) waits for the load instead, which is quicker
        than decoding its vectors from the tables on every search. Counted up to the limit only, on the scope's
        index."""
        source, column = _vector_source(kind)
        where, params = _read_scope(scope, "t")
        sql = f"SELECT count(*) AS n FROM (SELECT 1 FROM {source} WHERE {where} AND {column} IS NOT NULL LIMIT ?)"
        rows: int = self._conn().execute(sql, [*params, _TABLE_SCAN_ROWS + 1]).fetchone()["n"]
        return rows <= _TABLE_SCAN_ROWS

    def _table_search(
        self, kind: VectorKind, scope: Scope, vectors: Sequence[Vector], k: int, as_of: datetime | None
    ) -> list[list[Hit]]:
        """``vector_search`` for each vector, exactly, from the scope's rows in the tables: while the indexes load
        (issue 13: the first search after opening a 100k store waited ~3 s for every user's vectors; this reads
        its own scope's only). Exact: a partition the loaded index searches through IVF lists (one over
        ``VectorIndex.exact_limit`` rows) may answer a few neighbours better than it will once loaded."""
        source, column = _vector_source(kind)
        where, params = _read_scope(scope, "t")
        if kind != "entity":  # entities have no time; the others are current, or believed at ``as_of``
            when, extra = _believed(as_of, "t")
            where, params = f"{where} AND {when}", [*params, *extra]
        cursor = self._conn().execute(
            f"SELECT t.id, {column} FROM {source} WHERE {where} AND {column} IS NOT NULL", params
        )
        queries = np.stack([np.asarray(v, dtype=np.float32) for v in vectors])
        return scan_top(self._vector_chunks(cursor), queries, k)

    def _table_scores(self, kind: VectorKind, ids: Sequence[str], vector: Vector) -> dict[str, float]:
        """``similarity`` from the tables, while the indexes load (see ``_table_search``)."""
        source, column = _vector_source(kind)
        query = np.asarray(vector, dtype=np.float32)
        found: dict[str, float] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(chunk))
            cursor = self._conn().execute(
                f"SELECT t.id, {column} FROM {source} WHERE t.id IN ({marks}) AND {column} IS NOT NULL", chunk
            )
            for chunk_ids, vecs in self._vector_chunks(cursor):
                found.update(zip(chunk_ids, cosines(vecs, query).tolist(), strict=True))
        return {i: found[i] for i in ids if i in found}

    def _vector_chunks(self, cursor: sqlite3.Cursor) -> Iterator[tuple[list[str], F32]]:
        """(ids, vectors) of a query's (id, blob) rows, a chunk at a time, each chunk's blobs read in one go."""
        cursor.row_factory = None
        while rows := cursor.fetchmany(_VECTOR_CHUNK):
            blobs = b"".join(blob for _, blob in rows)
            yield [i for i, _ in rows], np.frombuffer(blobs, dtype=np.float32).reshape(len(rows), self.dim)

    def text_search(
        self,
        kind: Literal["memory", "entity"],
        scope: Scope,
        terms: Sequence[str],
        k: int,
        as_of: datetime | None = None,
    ) -> list[Hit]:
        if not terms or k <= 0:
            return []
        conn = self._conn()
        if kind == "memory":
            where, params = _read_scope(scope, "m")
            when, extra = _believed(as_of, "m")
            match = quoted_or_query(terms)
            token = _fts_scope(scope)
            if token is not None:  # hex digits only: the user id can never be read as query syntax
                match = f'fts_scope : "{token}" AND ({match})'
                found = self._memory_text_bounded(conn, match, where, [*params, *extra], when, k)
                if found is not None:
                    return found
            return self._memory_text_all(conn, match, where, [*params, *extra], when, k)
        where, params = _read_scope(scope, "n")
        rows = conn.execute(
            "SELECT n.entity_id AS id, bm25(entity_names_fts) AS s FROM entity_names_fts JOIN entity_names n"
            f" ON n.rowid = entity_names_fts.rowid WHERE entity_names_fts MATCH ? AND {where}"
            " ORDER BY s, n.entity_id LIMIT ?",
            [quoted_or_query(terms), *params, k * 3],
        )
        best: dict[str, float] = {}
        for r in rows:
            best.setdefault(r["id"], -float(r["s"]))
        return list(best.items())[:k]

    @staticmethod
    def _memory_text_all(
        conn: sqlite3.Connection, match: str, where: str, params: list[str], when: str, k: int
    ) -> list[Hit]:
        """The memory BM25 lane, exact: every match is joined to its row, filtered, then ranked."""
        rows = conn.execute(
            "SELECT m.id AS id, bm25(memories_fts, 1.0, 0.0) AS s FROM memories_fts JOIN memories m"
            f" ON m.rid = memories_fts.rowid WHERE memories_fts MATCH ? AND {where} AND {when}"
            " ORDER BY s, m.id LIMIT ?",
            [match, *params, k],
        )
        return [(r["id"], -float(r["s"])) for r in rows]

    @staticmethod
    def _memory_text_bounded(
        conn: sqlite3.Connection, match: str, where: str, params: list[str], when: str, k: int
    ) -> list[Hit] | None:
        """The memory BM25 lane for a user's scope with its join bounded (issue 13): FTS5 ranks the user's matches
        on its own and only the best ``_BM25_CANDIDATES * k`` are joined to their rows and filtered (tenant,
        agent/run, currency), instead of every match (thousands in a big scope). FTS5 still scores every match (it
        has no top-k pruning), but the per-match row lookups, which were half the lane's time, go.

        The answer is the exact lane's or None (then the caller runs the exact query): it is kept when the
        candidates were every match, or when k of them passed the filters and the k-th scores strictly better than
        the worst candidate, so nothing cut off (ties included) could have ranked among the k."""
        cap = _BM25_CANDIDATES * k
        rows = conn.execute(
            "WITH f AS MATERIALIZED (SELECT rowid, bm25(memories_fts, 1.0, 0.0) AS s FROM memories_fts"
            " WHERE memories_fts MATCH ? ORDER BY s LIMIT ?)"
            " SELECT m.id AS id, f.s AS s, (SELECT count(*) FROM f) AS seen, (SELECT max(s) FROM f) AS edge"
            f" FROM f JOIN memories m ON m.rid = f.rowid WHERE {where} AND {when} ORDER BY f.s, m.id LIMIT ?",
            [match, cap, *params, k],
        ).fetchall()
        if rows and rows[0]["seen"] < cap:
            pass  # every match was a candidate
        elif not (len(rows) == k and rows[-1]["s"] < rows[0]["edge"]):
            return None
        return [(r["id"], -float(r["s"])) for r in rows]

    def similarity(self, kind: VectorKind, ids: Sequence[str], vector: Vector) -> dict[str, float]:
        if self._loading():
            return self._table_scores(kind, ids, vector)
        self._sync_indexes()
        return self._indexes[kind].scores(ids, vector)

    # -- entities and relations ------------------------------------------------------------------------------------
    def find_entities(self, scope: Scope, normalized_names: Sequence[str]) -> dict[str, EntityRecord]:
        where, params = _exact_scope(scope, "n")
        return self._entities_by_names(where, params, normalized_names)

    def entities_named(self, scope: Scope, normalized_names: Sequence[str]) -> list[EntityRecord]:
        where, params = _read_scope(scope, "n")
        found = self._entities_by_names(where, params, normalized_names)
        return list({e.id: e for e in found.values()}.values())

    def _entities_by_names(self, where: str, params: list[str], names: Sequence[str]) -> dict[str, EntityRecord]:
        out: dict[str, EntityRecord] = {}
        for chunk in _chunks(list(dict.fromkeys(names))):
            marks = ",".join("?" * len(chunk))
            rows = (
                self._conn()
                .execute(
                    f"SELECT n.normalized AS key, n.entity_id FROM entity_names n"
                    f" WHERE n.normalized IN ({marks}) AND {where} ORDER BY n.entity_id",
                    [*chunk, *params],
                )
                .fetchall()
            )
            entities = {e.id: e for e in self.get_entities([r["entity_id"] for r in rows])}
            for r in rows:
                if r["entity_id"] in entities:
                    out.setdefault(r["key"], entities[r["entity_id"]])
        return out

    def get_entities(self, ids: Sequence[str]) -> list[EntityRecord]:
        conn = self._conn()
        by_id: dict[str, EntityRecord] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT * FROM entities WHERE id IN ({marks})", chunk).fetchall()
            aliases = self._aliases(conn, chunk)
            for row in rows:
                by_id[row["id"]] = entity_from(row, aliases.get(row["id"], []))
        return [by_id[i] for i in ids if i in by_id]

    @staticmethod
    def _aliases(conn: sqlite3.Connection, entity_ids: Sequence[str]) -> dict[str, list[str]]:
        marks = ",".join("?" * len(entity_ids))
        out: dict[str, list[str]] = {}
        rows = conn.execute(
            f"SELECT n.entity_id, n.alias FROM entity_names n JOIN entities e ON e.id = n.entity_id"
            f" WHERE n.entity_id IN ({marks}) AND n.alias != e.name ORDER BY n.rowid",
            list(entity_ids),
        )
        for r in rows:
            out.setdefault(r["entity_id"], []).append(r["alias"])
        return out

    def list_entities(self, scope: Scope) -> list[EntityRecord]:
        where, params = _read_scope(scope)
        ids = [
            r["id"] for r in self._conn().execute(f"SELECT id FROM entities WHERE {where} ORDER BY name, id", params)
        ]
        return self.get_entities(ids)

    def get_relations(self, ids: Sequence[str]) -> list[RelationRecord]:
        by_id: dict[str, RelationRecord] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            marks = ",".join("?" * len(chunk))
            for r in self._relation_rows(f"r.id IN ({marks})", chunk):
                by_id[r.id] = r
        return [by_id[i] for i in ids if i in by_id]

    def list_relations(self, scope: Scope, include_expired: bool = False) -> list[RelationRecord]:
        where, params = _read_scope(scope, "r")
        if not include_expired:
            when, extra = _believed(None, "r")
            where, params = f"{where} AND {when}", params + extra
        return self._relation_rows(where, params)

    def find_relations(self, scope: Scope, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        """One indexed join per chunk of keys (passed as one JSON parameter), not one query per key."""
        where, params = _exact_scope(scope, "r")
        when, extra = _believed(None, "r")
        out: dict[tuple[str, str, str], str] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            rows = self._conn().execute(
                "SELECT r.source_id, r.type, r.target_id, r.id FROM json_each(?) AS k CROSS JOIN relations r"
                " ON r.source_id = k.value ->> '$[0]' AND r.type = k.value ->> '$[1]'"
                " AND r.target_id = k.value ->> '$[2]'"
                f" WHERE {where} AND {when} ORDER BY r.created_at, r.id",
                [json.dumps(list(chunk)), *params, *extra],
            )
            for row in rows:
                out.setdefault((row["source_id"], row["type"], row["target_id"]), row["id"])
        return out

    def edges(
        self, scope: Scope, entity_ids: Sequence[str], per_entity: int, as_of: datetime | None = None
    ) -> list[RelationRecord]:
        where, params = _read_scope(scope, "r")
        when, extra = _believed(as_of, "r")
        found: dict[str, RelationRecord] = {}
        for chunk in _chunks(list(dict.fromkeys(entity_ids))):
            marks = ",".join("?" * len(chunk))
            touching = " UNION ".join(
                f"SELECT r.id, r.{end} AS entity, r.created_at FROM relations r"
                f" WHERE r.{end} IN ({marks}) AND {where} AND {when}"
                for end in ("source_id", "target_id")
            )
            ranked = (
                "SELECT id, ROW_NUMBER() OVER (PARTITION BY entity ORDER BY created_at DESC, id) AS rn"
                f" FROM ({touching})"
            )
            args = [*chunk, *params, *extra] * 2
            ids = [
                row["id"]
                for row in self._conn().execute(f"SELECT id FROM ({ranked}) WHERE rn <= ?", [*args, per_entity])
            ]
            for rel in self.get_relations(list(dict.fromkeys(ids))):
                found[rel.id] = rel
        return sorted(found.values(), key=lambda r: (r.created_at, r.id))

    def edge_rows(
        self,
        scope: Scope,
        entity_ids: Sequence[str],
        per_entity: int,
        as_of: datetime | None = None,
        prefer: dict[str, float] | None = None,
    ) -> list[Edge]:
        """For each entity and each direction, its newest ``per_entity`` edges (and as many of each preferred
        type), which ``capped`` cuts to the best ``per_entity`` of each entity. No record is built per edge.

        The current graph (no ``as_of``, no preference) is read through ``_edge_cache``: only the entities it has
        not met since the last write are read, by one statement (see ``_edge_read``)."""
        wanted = list(dict.fromkeys(entity_ids))
        if not wanted:
            return []
        weights = {t: w for t, w in (prefer or {}).items() if w > 0.0}
        if as_of is not None or weights:
            rows = [edge for _, _, edge, _ in self._edge_read(scope, wanted, per_entity, as_of, weights)]
            return capped(rows, wanted, per_entity, weights)
        conn = self._conn()
        seq = _write_count(conn)
        now = iso(utcnow())
        base = (scope.tenant, *scope.key(), per_entity)
        keys: list[Key] = [(*base, end, entity) for entity in wanted for end in ("source_id", "target_id")]
        rows, missing = self._edge_cache.get(seq, keys, now)
        if missing:
            found: dict[Key, tuple[list[Edge], list[str | None]]] = {key: ([], []) for key in missing}
            for end, entity, edge, invalid_at in self._edge_read(scope, [k[-1] for k in missing], per_entity, None, {}):
                entry = found.get((*base, end, entity))
                if entry is not None:  # the entity's other direction may have been cached already
                    entry[0].append(edge)
                    entry[1].append(invalid_at)
                    rows.append(edge)
            self._edge_cache.put(seq, {key: (edges, ends_at(until, now)) for key, (edges, until) in found.items()})
        return capped(rows, wanted, per_entity, weights)

    def _edge_read(
        self,
        scope: Scope,
        entity_ids: Sequence[str],
        per_entity: int,
        as_of: datetime | None,
        weights: dict[str, float],
    ) -> list[tuple[str, str, Edge, str | None]]:
        """One statement: for each entity and each direction, its newest ``per_entity`` edges, and as many of each
        preferred type, by subqueries with a LIMIT over the ``relations_from``/``relations_to`` indexes (newest
        first, ties by id): SQLite walks the entity's index entries in C and stops (ranking every edge of a
        4,000-edge hub by a computed weight read every row: ~18 ms per hub on MetaQA). Their union holds the best
        ``per_entity`` of each entity. A preferred type the entity rarely has still reads its edges down to the
        rarest (no index on the target and type: the walk does not prefer types yet, see
        ``recall.graph.PREFER_TYPES_THROUGH_HUBS``). Each row comes with the direction and entity it was read for
        and its ``invalid_at``."""
        where, params = _read_scope(scope, "x")
        when, extra = _believed(as_of, "x")
        ids, types = json.dumps(list(dict.fromkeys(entity_ids))), json.dumps(sorted(weights))
        columns = "r.id, r.source_id, r.target_id, s.name, t.name, r.type, r.fact, r.created_at, r.memory_ids"
        ends = "JOIN entities s ON s.id = r.source_id JOIN entities t ON t.id = r.target_id"
        newest = "ORDER BY x.created_at DESC, x.id LIMIT ?"
        statements: list[str] = []
        args: list[Any] = []
        for end in ("source_id", "target_id"):
            select = f"SELECT '{end}', e.value, {columns}, r.invalid_at"
            touching = f"SELECT x.rid FROM relations x WHERE x.{end} = e.value AND {where} AND {when}"
            statements.append(f"{select} FROM json_each(?) e JOIN relations r ON r.rid IN ({touching} {newest}) {ends}")
            args += [ids, *params, *extra, per_entity]
            if weights:
                typed = f"{touching} AND x.type = p.value {newest}"
                statements.append(
                    f"{select} FROM json_each(?) e, json_each(?) p JOIN relations r ON r.rid IN ({typed}) {ends}"
                )
                args += [ids, types, *params, *extra, per_entity]
        cursor = self._conn().execute(" UNION ALL ".join(statements), args)
        cursor.row_factory = None  # plain tuples: no dict per row
        return [
            (end, entity, Edge(i, s, t, sn, tn, ty, f, c, tuple(json.loads(m)) if m and m != "[]" else ()), until)
            for end, entity, i, s, t, sn, tn, ty, f, c, m, until in cursor
        ]

    def relations_citing(self, scope: Scope, memory_ids: Sequence[str]) -> list[RelationRecord]:
        where, params = _read_scope(scope, "r")
        when, extra = _believed(None, "r")
        found: dict[str, RelationRecord] = {}
        for chunk in _chunks(list(dict.fromkeys(memory_ids))):
            marks = ",".join("?" * len(chunk))
            clause = (
                f"r.id IN (SELECT r2.id FROM relations r2, json_each(r2.memory_ids) j WHERE j.value IN ({marks}))"
                f" AND {where} AND {when}"
            )
            found.update((r.id, r) for r in self._relation_rows(clause, [*chunk, *params, *extra]))
        return sorted(found.values(), key=lambda r: (r.created_at, r.id))

    def _relation_rows(self, where: str, params: Sequence[Any]) -> list[RelationRecord]:
        rows = self._conn().execute(
            f"SELECT {_RELATION_COLUMNS}, s.name AS source, t.name AS target FROM relations r"
            " JOIN entities s ON s.id = r.source_id JOIN entities t ON t.id = r.target_id"
            f" WHERE {where} ORDER BY r.created_at, r.id",
            list(params),
        )
        return [relation_from(r) for r in rows]


# -- row conversion ---------------------------------------------------------------------------------------------------
def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _merge(old: list[str], new: list[str]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))


def _upsert_later(index: VectorIndex, ident: str, vec: Sequence[float], scope: Scope) -> Callable[[], None]:
    array = np.asarray(vec, dtype=np.float32)
    return lambda: index.upsert(ident, array, scope, True)


def _upsert_all_later(
    index: VectorIndex, records: Sequence[MemoryRecord | EntityRecord | RelationRecord]
) -> Callable[[], None]:
    def upsert() -> None:
        arrays: dict[int, np.ndarray[Any, np.dtype[np.float32]]] = {}  # shared vectors converted once
        for r in records:
            assert r.embedding is not None
            vec = arrays.get(id(r.embedding))
            if vec is None:
                vec = arrays[id(r.embedding)] = np.asarray(r.embedding, np.float32)
            index.upsert(r.id, vec, r.scope, True)

    return upsert


def _current_later(index: VectorIndex, ident: str, current: bool) -> Callable[[], None]:
    return lambda: index.set_current(ident, current)


def _remove_later(index: VectorIndex, ident: str) -> Callable[[], None]:
    return lambda: index.remove(ident)


def _memory(row: dict[str, Any], episode_ids: list[str], with_embedding: bool) -> MemoryRecord:
    embedding = None
    if with_embedding and row["embedding"] is not None:
        embedding = np.frombuffer(row["embedding"], dtype=np.float32).tolist()
    return memory_from(row, episode_ids, embedding)
