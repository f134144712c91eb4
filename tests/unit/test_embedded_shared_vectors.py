"""The embedded store keeps a vector many relations share once (issue 13), and the relation-vector lane answers
exactly as it did when every relation held its own copy: same ids, scores and order, ties included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from graphmem import Memory
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.vector_index import VectorIndex

# Many relations of two types (each type's relations share its type phrase's vector, so they tie on every query),
# one relation of a third type, and a sentence whose relations are embedded from their own facts.
_TRIPLES = [(f"Film {i}", "DIRECTED_BY" if i % 3 else "HAS_GENRE", f"Person {i % 4}") for i in range(12)]
_SCOPES = [
    Scope(user_id="u1"),
    Scope(user_id="u2"),
    Scope(user_id="u1", tenant="acme"),
    Scope(user_id="u1", agent_id="bot"),
    Scope(agent_id="bot"),
]
# What the store loaded its relation index from when every row held its vector (the query before issue 13).
_COPIES_QUERY = (
    "SELECT id, embedding, tenant, user_id, agent_id, run_id,"
    " (expired_at IS NULL AND (invalid_at IS NULL OR invalid_at > '9')) FROM relations WHERE embedding IS NOT NULL"
)


def _fill(path: Path, embedder: Embedder) -> list[str]:
    memory = Memory(store=EmbeddedStore(path, embedder.dim), embedder=embedder)
    for view, user, agent in ((memory, "u1", None), (memory, "u2", None), (memory.for_tenant("acme"), "u1", None),
                              (memory, "u1", "bot")):  # fmt: skip
        view.add_triples(_TRIPLES, user_id=user, agent_id=agent)
        view.add_triples([("Film 0", "WRITTEN_BY", "Person 9")], user_id=user, agent_id=agent)
        view.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id=user, agent_id=agent)
    memory.close()
    return _ids(path)


def _ids(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    ids = [i for (i,) in conn.execute("SELECT id FROM relations ORDER BY rid")]
    conn.close()
    return ids


def _answers(store: EmbeddedStore, queries: np.ndarray, ids: list[str]) -> list[object]:
    out: list[object] = []
    for q in queries:
        for scope in _SCOPES:
            out += [store.vector_search("relation", scope, q, k) for k in (3, 40)]
        out.append(store.similarity("relation", ids, q))
    return out


def _same(got: list[object], expected: list[object]) -> bool:
    """The same ids in the same order, and the same scores up to float32 rounding: BLAS rounds a row's dot product
    differently by the matrix's alignment in memory, so two loads of one file may differ in the last bit."""
    if len(got) != len(expected):
        return False
    for a, b in zip(got, expected, strict=True):
        pairs = list(a.items()) if isinstance(a, dict) else a
        wanted = list(b.items()) if isinstance(b, dict) else b
        assert isinstance(pairs, list) and isinstance(wanted, list)
        if [i for i, _ in pairs] != [i for i, _ in wanted]:
            return False
        if any(abs(x - y) > 1e-6 for (_, x), (_, y) in zip(pairs, wanted, strict=True)):
            return False
    return True


def _reference(path: Path, dim: int, queries: np.ndarray, ids: list[str]) -> list[object]:
    """The answers of an index loaded from a file where every relation holds its own copy, as stores did."""
    index = VectorIndex(dim)
    conn = sqlite3.connect(path)
    index.load(conn.execute(_COPIES_QUERY))
    conn.close()
    out: list[object] = []
    for q in queries:
        for scope in _SCOPES:
            out += [index.search(q, scope, k, current_only=True) for k in (3, 40)]
        out.append(index.scores(ids, q))
    return out


def _copy(path: Path, to: Path) -> None:
    """A copy of the store as committed, its write-ahead log included (the store may be open)."""
    source, target = sqlite3.connect(path), sqlite3.connect(to)
    source.backup(target)
    source.close()
    target.close()


def _to_copies(path: Path, old_schema: bool) -> None:
    """Rewrite a store so every relation holds its own copy of its vector; ``old_schema``: as stores from before
    shared vectors were (no ``vector_id`` column, no ``shared_vectors`` table)."""
    conn = sqlite3.connect(path)
    conn.execute(
        "UPDATE relations SET embedding = (SELECT v.embedding FROM shared_vectors v WHERE v.id = vector_id),"
        " vector_id = NULL WHERE vector_id IS NOT NULL"
    )
    if old_schema:
        conn.execute("ALTER TABLE relations DROP COLUMN vector_id")
        conn.execute("DROP TABLE shared_vectors")
    conn.commit()
    conn.close()


def test_type_vectors_are_stored_once_and_the_relation_lane_answers_as_with_copies(
    tmp_path: Path, embedder: Embedder
) -> None:
    path = tmp_path / "g.db"
    ids = _fill(path, embedder)
    conn = sqlite3.connect(path)
    # Two shared vectors (the two repeated types, whichever scope or tenant wrote them); the rest keep their own.
    assert conn.execute("SELECT count(*) FROM shared_vectors").fetchone() == (2,)
    shared, own, total = conn.execute("SELECT count(vector_id), count(embedding), count(*) FROM relations").fetchone()
    assert shared == 4 * len(_TRIPLES) and own == 4 * 5 and total == shared + own  # WRITTEN_BY, the sentence's 4
    conn.close()
    queries = embedder.embed(["directed by", "genre", "Alice met Bob at a conference", "written by"])

    copies = tmp_path / "copies.db"
    _copy(path, copies)
    _to_copies(copies, old_schema=False)
    expected = _reference(copies, embedder.dim, queries, ids)
    assert any(len(a) == 3 and a[0][1] == a[2][1] for a in expected if isinstance(a, list))  # k cuts among ties

    store = EmbeddedStore(path, embedder.dim)  # loads its relation index through the shared rows
    assert _same(_answers(store, queries, _ids(path)), expected)
    # Rows written while the index is loaded go to it directly (each shared vector converted once): still the same.
    memory = Memory(store=store, embedder=embedder)
    memory.add_triples([("Film 99", "DIRECTED_BY", "Person 1"), ("Film 98", "DIRECTED_BY", "Person 2")], user_id="u1")
    memory.add("Carol met Dan at GraphConf 2025 in San Francisco.", user_id="u2")
    _copy(path, copies)
    _to_copies(copies, old_schema=False)
    ids = _ids(path)
    assert _same(_answers(store, queries, ids), _reference(copies, embedder.dim, queries, ids))
    store.close()


def test_a_store_from_before_shared_vectors_is_migrated_on_open(tmp_path: Path, embedder: Embedder) -> None:
    path = tmp_path / "old.db"
    ids = _fill(path, embedder)
    _to_copies(path, old_schema=True)
    queries = embedder.embed(["directed by", "genre", "Alice met Bob at a conference"])
    expected = _reference(path, embedder.dim, queries, ids)
    for _ in range(2):  # the second open finds nothing left to migrate
        store = EmbeddedStore(path, embedder.dim)
        assert _same(_answers(store, queries, ids), expected)
        store.close()
        conn = sqlite3.connect(path)
        # Every vector two or more rows held is stored once: the two types', and the ones each scope's copy of the
        # sentence and of WRITTEN_BY repeats (the store's rows, not one write's, are compared here).
        assert conn.execute("SELECT count(*) FROM shared_vectors").fetchone() == (7,)
        assert conn.execute("SELECT count(vector_id), count(embedding) FROM relations").fetchone() == (len(ids), 0)
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'share_vectors'").fetchone() == (0,)
        conn.close()
    # Deleting a scope keeps the vectors other scopes still point to; a reset leaves none.
    store = EmbeddedStore(path, embedder.dim)
    store.delete_scope(Scope(user_id="u2"))
    assert sqlite3.connect(path).execute("SELECT count(*) FROM shared_vectors").fetchone() == (7,)
    store.reset()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM shared_vectors").fetchone() == (0,)
    store.close()
