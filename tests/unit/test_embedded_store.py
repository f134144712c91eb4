"""Embedded-store specifics: one transaction per add, index reload across connections, file errors."""

from __future__ import annotations

import sqlite3
import time
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory, StoreError
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.stores import embedded, wal_checkpoint
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.fulltext import quoted_or_query
from graphmem.stores.vector_index import VectorIndex


def test_a_failure_inside_the_add_transaction_leaves_no_partial_write(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore(tmp_path / "g.db", embedder.dim)
    memory = Memory(store=store, embedder=embedder)

    real_insert_many = embedded._insert_many

    def boom(conn: Any, table: str, rows: Any, returning: bool = True) -> set[str]:
        if table == "history":  # the last batch of the add: memories, entities and relations are in by then
            raise RuntimeError("disk full")
        return real_insert_many(conn, table, rows, returning)

    monkeypatch.setattr(embedded, "_insert_many", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u")
    monkeypatch.undo()
    assert memory.get_all(user_id="u")["results"] == []
    assert memory.to_networkx(user_id="u").number_of_nodes() == 0
    assert memory.search("Alice", user_id="u") == {"results": [], "relations": []}
    [episode] = store.list_episodes(Scope(user_id="u"))
    # Marked failed at the write stage (issue 10: no episode stays pending), so retry_failed finds it.
    assert episode.status == "failed" and (episode.error or "").startswith("write: ")
    assert "GraphConf" in episode.messages[0].content
    # Replaying the kept episode completes it, exactly once.
    memory._ingest.process(episode, infer=True, prompt=None)
    memory._ingest.process(episode, infer=True, prompt=None)
    assert store.get_episode(episode.id).status == "done"  # type: ignore[union-attr]
    assert len(memory.get_all(user_id="u")["results"]) >= 1
    texts = [r["memory"] for r in memory.get_all(user_id="u")["results"]]
    assert len(texts) == len(set(texts))
    assert memory.to_networkx(user_id="u").number_of_edges() >= 3


def test_a_second_connection_sees_writes_in_vector_search(tmp_path: Path, embedder: Embedder) -> None:
    reader = Memory(store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)
    assert reader.search("kiwi", user_id="u")["results"] == []
    writer = Memory(store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)
    writer.add("kiwi fruit is green", user_id="u", infer=False)
    hits = reader.search("green fruit", user_id="u")["results"]
    assert [h["memory"] for h in hits] == ["kiwi fruit is green"] and "vector" in hits[0]["lanes"]


def test_store_refuses_a_different_embedding_dimension(tmp_path: Path) -> None:
    EmbeddedStore(tmp_path / "g.db", 384).close()
    with pytest.raises(StoreError, match="384-dimensional"):
        EmbeddedStore(tmp_path / "g.db", 768)


def test_store_reports_an_unusable_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the store folder"):
        EmbeddedStore(blocker / "sub" / "g.db", 384)
    not_sqlite = tmp_path / "junk.db"
    not_sqlite.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the store"):
        EmbeddedStore(not_sqlite, 384)


def test_full_text_query_quotes_every_term() -> None:
    assert quoted_or_query(['he said "hi"', "OR", "NEAR(x)", "*:*"]) == '"he said hi" OR "OR" OR "NEAR x"'


def test_a_store_from_before_the_scoped_full_text_column_is_migrated_on_open(
    tmp_path: Path, embedder: Embedder
) -> None:
    path = tmp_path / "old.db"
    memory = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    memory.add("The kiwi orchard is in Otago.", user_id="u1", infer=False)
    memory.add("A kiwi is a flightless bird.", user_id="u2", infer=False)
    memory.close()
    # Rewind the file to the earlier schema: one-column full-text index, no fts_scope column.
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        DROP TRIGGER memories_ai; DROP TRIGGER memories_ad; DROP TRIGGER memories_au; DROP TABLE memories_fts;
        ALTER TABLE memories DROP COLUMN fts_scope;
        CREATE VIRTUAL TABLE memories_fts USING fts5 (text, content = 'memories', content_rowid = 'rid',
                                                      tokenize = 'porter unicode61');
        INSERT INTO memories_fts (memories_fts) VALUES ('rebuild');
        """
    )
    conn.close()

    reopened = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    bm25 = reopened.store.text_search("memory", Scope(user_id="u1"), ["kiwi"], 10)
    assert [reopened.get(i)["memory"] for i, _ in bm25] == ["The kiwi orchard is in Otago."]
    reopened.add("Kiwi season starts in May.", user_id="u1", infer=False)  # the new triggers index new rows
    assert len(reopened.store.text_search("memory", Scope(user_id="u1"), ["kiwi"], 10)) == 2
    assert len(reopened.store.text_search("memory", Scope(), ["kiwi"], 10)) == 3
    reopened.close()


def test_a_store_from_before_update_recorded_graph_changes_gains_the_history_column(
    tmp_path: Path, embedder: Embedder
) -> None:
    path = tmp_path / "old.db"
    memory = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    mid = memory.add("I live in Paris", user_id="alex")["results"][0]["id"]
    memory.close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE history DROP COLUMN relations")  # the schema before update recorded its changes
    conn.close()

    reopened = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    reopened.update(mid, "I live in Rome")
    old, new = reopened.history(mid)
    assert "relations" not in old and [r["destination"] for r in new["relations"]["added"]] == ["Rome"]
    reopened.close()


def test_a_store_holding_copies_of_one_fact_keeps_the_oldest_current_on_open(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Stores written before concurrent adds were settled may hold copies of one fact; opening one builds the
    unique index on current facts, expiring the later copies (kept for history) instead of failing."""
    path = tmp_path / "old.db"
    memory = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    first = memory.add("Zoe likes green tea", user_id="u1", infer=False)["results"][0]["id"]
    memory.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX memories_current_hash")  # the schema before the index, and a copy it let in
    columns = [r[1] for r in conn.execute("PRAGMA table_info(memories)") if r[1] not in ("rid", "id")]
    names = ", ".join(columns)
    conn.execute(f"INSERT INTO memories (id, {names}) SELECT 'copy', {names} FROM memories WHERE id = ?", (first,))
    conn.commit()
    conn.close()

    reopened = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    assert [m["id"] for m in reopened.get_all(user_id="u1")["results"]] == [first]
    again = reopened.add("Zoe likes green tea", user_id="u1", infer=False)["results"][0]
    assert (again["id"], again["event"]) == (first, "NONE")
    reopened.close()


def test_a_store_from_before_the_tenant_fence_is_migrated_on_open(tmp_path: Path, embedder: Embedder) -> None:
    """A store written before tenants (issue 12) holds the library's own data: on open every row joins tenant '',
    the scope keys gain the tenant (the entities' unique key is a table constraint, so that table is rebuilt), and
    a tenant can then hold the same user's same names beside it without touching the library's."""
    new, old = tmp_path / "new.db", tmp_path / "old.db"
    memory = Memory(store=EmbeddedStore(new, embedder.dim), embedder=embedder)
    memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u")
    memory.add_triples([("Alice", "KNOWS", "Carol")], user_id="u")
    before = memory.get_all(user_id="u"), memory.neighbors("Alice", user_id="u")
    found = [r["id"] for r in memory.search("Who does Alice know?", user_id="u")["results"]]
    memory.close()
    # The same rows in a file of the schema before the fence: no tenant column, scope keys without it.
    schema = resources.files("graphmem.stores").joinpath("schema_embedded.sql").read_text(encoding="utf-8")
    conn = sqlite3.connect(old)
    conn.executescript(schema.replace(", tenant TEXT NOT NULL DEFAULT ''", "").replace("tenant, ", ""))
    assert all("tenant" not in (sql or "") for (sql,) in conn.execute("SELECT sql FROM sqlite_master"))
    conn.execute("ATTACH DATABASE ? AS new", (str(new),))
    tables = conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'")
    for (table,) in tables.fetchall():
        columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA main.table_info({table})"))
        conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM new.{table}")
    conn.commit()
    conn.close()

    for _ in range(2):  # the second open finds nothing left to migrate
        reopened = Memory(store=EmbeddedStore(old, embedder.dim), embedder=embedder)
        assert (reopened.get_all(user_id="u"), reopened.neighbors("Alice", user_id="u")) == before
        assert [r["id"] for r in reopened.search("Who does Alice know?", user_id="u")["results"]] == found
        reopened.close()
    reopened = Memory(store=EmbeddedStore(old, embedder.dim), embedder=embedder)
    acme = reopened.for_tenant("acme")
    assert acme.get_all(user_id="u")["results"] == []
    acme.add_triples([("Alice", "KNOWS", "Dave")], user_id="u")
    assert [r["destination"] for r in acme.neighbors("Alice", user_id="u")["relations"]] == ["Dave"]
    assert reopened.neighbors("Alice", user_id="u") == before[1]
    conn = sqlite3.connect(old)
    rows = conn.execute("SELECT tenant FROM entities WHERE normalized = 'alice' ORDER BY tenant").fetchall()
    assert rows == [("",), ("acme",)]
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'entities_before_tenant'").fetchall() == []
    conn.close()
    reopened.close()


def test_a_reopened_store_loads_and_trains_its_vector_indexes_as_it_opens(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: the indexes are read (and a big partition's IVF lists trained) by a loader the store starts as it
    opens, not by the first search; the first search then trains nothing."""
    monkeypatch.setattr(embedded, "VectorIndex", lambda dim: VectorIndex(dim, exact_limit=20, probe_rows=8))
    memory = Memory(store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)
    for i in range(30):
        memory.add(f"note {i}: the kiwi number {i} is green", user_id="u", infer=False)
    memory.close()
    store = EmbeddedStore(tmp_path / "g.db", embedder.dim)
    store._loader.join()
    index = store._indexes["memory"]
    assert len(index) == 30 and index.ann_partitions() == 1 and index.trainings == 1  # loaded and trained at open
    reopened = Memory(store=store, embedder=embedder)
    hits = reopened.search("kiwi number 7", user_id="u")["results"]
    assert hits and "vector" in hits[0]["lanes"]
    assert index.trainings == 1 and store._indexes["memory"] is index  # the search neither trained nor reloaded


def test_the_bounded_memory_bm25_lane_answers_as_the_exact_one(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: in a user's scope only the best ``_BM25_CANDIDATES * k`` FTS matches are joined to their rows. The
    answer must be the exact lane's: kept when nothing cut off could rank among the k, else the exact query runs
    (another tenant's rows under the same user id, a narrow agent filter, ties at the cut)."""
    store = EmbeddedStore(tmp_path / "g.db", embedder.dim)
    memory = Memory(store=store, embedder=embedder)
    for i in range(40):  # distinct scores: "kiwi" repeated 1..5 times in texts of growing length
        memory.add(f"{'kiwi ' * (1 + i % 5)}note {i} " + "filler " * (i // 5), user_id="u", infer=False)
    for i in range(6):  # an agent's rows, scoring below the user's best
        memory.add(f"kiwi and mango {i} " + "filler " * 12, user_id="u", agent_id="a", infer=False)
    acme = memory.for_tenant("acme")
    for i in range(30):  # the same user id in another tenant: the same full-text token, lower scores
        acme.add(f"kiwi acme {i} " + "filler " * 12, user_id="u", infer=False)
    for i in range(20):  # equal scores: which of them the cut keeps is FTS5's choice, not the lane's id order
        acme.add(f"kiwi tie {i:02d}", user_id="t", infer=False)
    exact_runs: list[int] = []
    real_all = EmbeddedStore._memory_text_all

    def counted(*args: Any) -> Any:
        exact_runs.append(1)
        return real_all(*args)

    monkeypatch.setattr(EmbeddedStore, "_memory_text_all", staticmethod(counted))

    def exact(scope: Scope, terms: list[str], k: int) -> list[tuple[str, float]]:
        where, params = embedded._read_scope(scope, "m")
        when, extra = embedded._believed(None, "m")
        match = f'fts_scope : "{embedded._fts_scope(scope)}" AND ({quoted_or_query(terms)})'
        return real_all(store._conn(), match, where, [*params, *extra], when, k)

    cases = [
        (Scope(user_id="u"), ["kiwi"], 3, 0),  # 76 matches, 12 candidates: the top 3 are sure, no exact query
        (Scope(user_id="u"), ["kiwi", "mango"], 2, 0),
        (Scope(user_id="u"), ["kiwi"], 25, 0),  # 100 candidates: every match was one
        (Scope(user_id="u", tenant="acme"), ["kiwi"], 3, 1),  # the best candidates are the other tenant's
        (Scope(user_id="u", agent_id="a"), ["kiwi"], 3, 1),  # the agent's rows are not among the best candidates
        (Scope(user_id="u"), ["durian"], 3, 1),  # nothing matched: the exact query confirms it
        (Scope(user_id="t", tenant="acme"), ["kiwi", "tie"], 3, 1),  # ties at the cut: ordered by id, exactly
    ]
    for scope, terms, k, runs in cases:
        exact_runs.clear()
        found = store.text_search("memory", scope, terms, k)
        assert len(exact_runs) == runs, (scope, terms, k)
        assert found == exact(scope, terms, k), (scope, terms, k)
    assert len(store.text_search("memory", Scope(user_id="u", agent_id="a"), ["kiwi"], 3)) == 3
    assert all(
        "acme" not in m.text for m in store.get_memories([i for i, _ in exact(Scope(user_id="u"), ["kiwi"], 50)])
    )


def test_the_write_ahead_log_is_copied_into_the_database_in_the_background(tmp_path: Path, embedder: Embedder) -> None:
    """Writers no longer checkpoint at SQLite's default 1,000 pages (30-110 ms inside a commit): a background
    thread does, so the database file grows while no writer came near its own fallback threshold."""
    path = tmp_path / "g.db"
    store = EmbeddedStore(path, embedder.dim)
    memory = Memory(store=store, embedder=embedder)
    conn = store._conn()
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()["wal_autocheckpoint"] == wal_checkpoint.FALLBACK_PAGES
    before = path.stat().st_size
    for i in range(40):
        memory.add(f"note {i}: the kiwi harvest in field {i} was {i * 7} crates", user_id="u", infer=False)
    logged_pages = Path(f"{path}-wal").stat().st_size // conn.execute("PRAGMA page_size").fetchone()["page_size"]
    assert logged_pages < wal_checkpoint.FALLBACK_PAGES  # no writer checkpointed by itself
    deadline = time.monotonic() + 20
    while path.stat().st_size == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_size > before and store._checkpointer.checkpoints >= 1
    store.close()
    assert not store._checkpointer._thread.is_alive()
    reopened = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    assert len(reopened.get_all(user_id="u")["results"]) == 40
