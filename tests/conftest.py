"""Shared fixtures. The contract suite is parametrized by backend, the fixture ``backend`` naming it:

- in process, ``memory`` is a ``Memory`` over a store the ``make_store`` factory opens: the embedded store, Neo4j,
  or "narrow" (``tests/dict_graph.py``: only the narrow ``GraphStore`` protocol, the rest from ``GraphBacked`` and
  the in-process search capabilities);
- over HTTP, ``memory`` is a ``MemoryClient`` talking to a real ``graphmem serve`` subprocess, one per backend per
  session: over an embedded store in a temporary folder ("embedded-http") or over the tests' Neo4j ("neo4j-http").
  Each test gets a fresh tenant (a new admin key, so ``reset`` works), hence an empty memory, as in process.

Which tests run over HTTP is decided here, in ``pytest_generate_tests``, not by skips: a contract test runs on the
HTTP backends when it uses the public ``Memory`` API through ``memory`` alone. A test that asks for ``make_store``
needs the store itself (restarts, wrappers), so it is parametrized with the in-process backends only, and so is a
test or module marked ``@pytest.mark.in_process("why")`` (it reaches past the API: ``memory.store``, patched
internals, a model passed to ``Memory``). ``pytest --collect-only -q -k http tests/contract`` lists what runs over
HTTP; ``grep -rn in_process tests/contract`` lists, with reasons, what does not.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from graphmem import Memory, MemoryClient
from graphmem.providers.embed import Embedder
from graphmem.providers.local_minilm import LocalMiniLM
from graphmem.service.keys import Keys, key_table
from graphmem.stores.base import Store
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.graph_backed import GraphBacked
from graphmem.stores.neo4j import Neo4jStore
from tests.dict_graph import DictGraph, Tables
from tests.graphmem_server import Running, neo4j_config, serve
from tests.llm_server import LlmServer
from tests.neo4j_server import Neo4jServer, find_neo4j, terminal_lines

IN_PROCESS_BACKENDS = ["embedded", "neo4j", "narrow"]
HTTP_BACKENDS = ["embedded-http", "neo4j-http"]
BACKENDS = IN_PROCESS_BACKENDS + HTTP_BACKENDS
CONTRACT = Path(__file__).parent / "contract"  # the suite the HTTP backends run (issue 12: one contract, any side)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "in_process(reason): the test reaches past Memory's public API, so it does not run over HTTP"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    metafunc.parametrize("backend", backends_of(metafunc), indirect=True)


def backends_of(metafunc: pytest.Metafunc) -> list[str]:
    """Every backend for a contract test that uses ``memory`` alone; the in-process ones otherwise."""
    marker = metafunc.definition.get_closest_marker("in_process")
    if marker is not None and not (marker.args and str(marker.args[0]).strip()):
        pytest.fail(f"{metafunc.definition.nodeid}: @pytest.mark.in_process needs a reason", pytrace=False)
    in_contract = metafunc.definition.path.is_relative_to(CONTRACT)
    if marker is not None or "make_store" in metafunc.fixturenames or not in_contract:
        return IN_PROCESS_BACKENDS
    return BACKENDS


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The backend's name, one of ``BACKENDS`` (parametrized by ``pytest_generate_tests``)."""
    return str(request.param)


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


@pytest.fixture
def make_store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder
) -> Iterator[Callable[[], Store]]:
    """A factory of stores of one in-process backend, all opening the same underlying database (to test restarts)."""
    opened: list[Store] = []
    server = request.getfixturevalue("neo4j_server") if backend == "neo4j" else None
    if server is not None:  # one shared database: every test starts from an empty one
        first = open_neo4j(server, embedder.dim)
        first.reset()
        opened.append(first)

    tables = Tables()  # the "narrow" backend's database, shared by the stores the factory opens

    def factory() -> Store:
        store: Store
        if backend == "narrow":
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


@dataclass
class HttpBackend:
    """A ``graphmem serve`` of this session, and the store's key table, where each test's tenant gets its key."""

    running: Running
    keys: Keys

    def client(self) -> MemoryClient:
        """A client of a tenant no test used before: an empty memory. Admin, so ``reset`` is allowed; no retries,
        so a 5xx fails the test instead of being retried away."""
        key = self.keys.create(f"contract-{secrets.token_hex(8)}", admin=True)[1]
        return MemoryClient(api_key=key, host=self.running.host, retries=0)


@pytest.fixture(scope="session")
def embedded_http(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[HttpBackend]:
    folder = tmp_path_factory.mktemp("embedded-http")
    store = EmbeddedStore(folder / "graphmem.db", embedder.dim)
    keys = Keys(key_table(store))
    keys.create("contract-bootstrap")  # the server refuses to start on a store without an active key
    running = serve(["--store", str(folder / "graphmem.db")], folder)
    yield HttpBackend(running, keys)
    running.stop()
    store.close()


@pytest.fixture(scope="session")
def neo4j_http(
    tmp_path_factory: pytest.TempPathFactory, neo4j_server: Neo4jServer, embedder: Embedder
) -> Iterator[HttpBackend]:
    """Over the same Neo4j as the "neo4j" backend, whose per-test ``reset`` leaves the API keys alone."""
    folder = tmp_path_factory.mktemp("neo4j-http")
    store = open_neo4j(neo4j_server, embedder.dim)
    keys = Keys(key_table(store))
    keys.create("contract-bootstrap")
    running = serve(["--config", str(neo4j_config(neo4j_server, folder / "graphmem.yaml"))], folder)
    yield HttpBackend(running, keys)
    running.stop()
    store.close()


@pytest.fixture
def memory(backend: str, request: pytest.FixtureRequest, embedder: Embedder) -> Iterator[Memory]:
    if backend in HTTP_BACKENDS:
        served: HttpBackend = request.getfixturevalue(backend.replace("-", "_"))
        client = served.client()
        yield cast(Memory, client)  # Memory's methods, names and answers: the tests are written against Memory
        client.close()
        return
    make_store: Callable[[], Store] = request.getfixturevalue("make_store")
    m = Memory(store=make_store(), embedder=embedder)
    yield m
    m.close()


@pytest.fixture
def llm_server() -> Iterator[LlmServer]:
    """A scripted OpenAI-compatible server on 127.0.0.1 (see tests/llm_server.py), fresh for each test."""
    server = LlmServer().start()
    yield server
    server.stop()
