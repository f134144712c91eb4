"""Shared fixtures. The contract suite is parametrized by backend: every test in tests/contract runs once per
store: the embedded store, Neo4j, and "narrow" (``tests/dict_graph.py``: only the narrow ``GraphStore``
protocol, the rest from ``GraphBacked`` and the in-process search capabilities)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.providers.local_minilm import LocalMiniLM
from graphmem.stores.base import Store
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.graph_backed import GraphBacked
from graphmem.stores.neo4j import Neo4jStore
from tests.dict_graph import DictGraph, Tables
from tests.llm_server import LlmServer
from tests.neo4j_server import Neo4jServer, find_neo4j, terminal_lines

BACKENDS = ["embedded", "neo4j", "narrow"]


@pytest.fixture(scope="session")
def neo4j_server(request: pytest.FixtureRequest) -> Iterator[Neo4jServer]:
    found = find_neo4j(report=terminal_lines(request.config))
    if isinstance(found, str):
        if os.environ.get("GRAPHMEM_REQUIRE_NEO4J") == "1":
            pytest.fail(found)
        pytest.skip(found)
    yield found
    found.stop()


def open_neo4j(server: Neo4jServer, dim: int) -> Neo4jStore:
    return Neo4jStore(server.uri, server.username, server.password, None, dim)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """One real local model for the whole run (loading it takes about a second)."""
    return LocalMiniLM()


@pytest.fixture(params=BACKENDS)
def make_store(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> Iterator[Callable[[], Store]]:
    """A factory of stores of one backend, all opening the same underlying database (to test restarts)."""
    opened: list[Store] = []
    server = request.getfixturevalue("neo4j_server") if request.param == "neo4j" else None
    if server is not None:  # one shared database: every test starts from an empty one
        first = open_neo4j(server, embedder.dim)
        first.reset()
        opened.append(first)

    tables = Tables()  # the "narrow" backend's database, shared by the stores the factory opens

    def factory() -> Store:
        store: Store
        if request.param == "narrow":
            store = GraphBacked(DictGraph(tables))
        elif server is None:
            store = EmbeddedStore(tmp_path / "graphmem.db", embedder.dim)
        else:
            store = open_neo4j(server, embedder.dim)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def memory(make_store: Callable[[], Store], embedder: Embedder) -> Iterator[Memory]:
    m = Memory(store=make_store(), embedder=embedder)
    yield m
    m.close()


@pytest.fixture
def llm_server() -> Iterator[LlmServer]:
    """A scripted OpenAI-compatible server on 127.0.0.1 (see tests/llm_server.py), fresh for each test."""
    server = LlmServer().start()
    yield server
    server.stop()
