"""Embedded and Neo4j rank the same fixtures the same way (ties broken by id on both)."""

from __future__ import annotations

import itertools
import uuid
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.ingest import pipeline
from graphmem.providers.embed import Embedder
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.neo4j import Neo4jStore
from tests.neo4j_server import Neo4jServer

CONVERSATIONS = [
    "Hi, I'm Alex. I love basketball and gaming.",
    "Alice met Bob at GraphConf 2025 in San Francisco.",
    "Jane Doe works at Globex. Jane Doe reports to Hank Scorpio.",
    "I moved to Berlin.",
    "Bob owns a bakery in Oakland.",
]
TRIPLES = [("Globex", "ACQUIRED", "Initech"), ("Initech", "LOCATED_IN", "Austin")]
QUERIES = ["What do you know about me?", "Who did Alice meet at GraphConf?", "Where does Jane work?",
           "Globex acquisitions", "bakery", "Who is Hank Scorpio?"]  # fmt: skip


def _load(memory: Memory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Episode ids from a fixed sequence, so both backends derive the very same record ids."""
    counter = itertools.count()
    monkeypatch.setattr(pipeline.uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))
    for text in CONVERSATIONS:
        memory.add(text, user_id="alex")
    memory.add_triples(TRIPLES, user_id="alex")


def _answers(memory: Memory) -> list[tuple[list[tuple[str, str]], list[tuple[str, str, str]]]]:
    out = []
    for q in QUERIES:
        found = memory.search(q, user_id="alex", limit=5)
        out.append(([(r["id"], r["memory"]) for r in found["results"]],
                    [(r["source"], r["relationship"], r["destination"]) for r in found["relations"]]))  # fmt: skip
    return out


def test_search_gives_the_same_order_on_both_backends(
    tmp_path: Path, embedder: Embedder, neo4j_server: Neo4jServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    neo = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, embedder.dim)
    neo.reset()
    embedded = Memory(store=EmbeddedStore(tmp_path / "same.db", embedder.dim), embedder=embedder)
    graph = Memory(store=neo, embedder=embedder)
    _load(embedded, monkeypatch)
    _load(graph, monkeypatch)
    expected = _answers(embedded)
    assert all(results for results, _ in expected)
    assert _answers(graph) == expected
    graph.close()
    embedded.close()
